// Parent side of the observer process (observer-child.mjs): a tiny IPC RPC.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { trackChild } from './cleanup.mjs'

const CHILD = fileURLToPath(new URL('./observer-child.mjs', import.meta.url))

export async function startObserver({ relay, soul, putIntervalMs = 20, healthIntervalMs = 100, rssIntervalMs = 50 }) {
  const child = trackChild(fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const waiting = new Map()
  let counter = 0
  child.on('message', (message) => {
    const pending = waiting.get(message.id)
    if (pending === undefined) return
    waiting.delete(message.id)
    if (message.error !== undefined) pending.reject(new Error(`observer: ${message.error}`))
    else pending.resolve(message.result)
  })
  child.once('exit', () => {
    for (const pending of waiting.values()) pending.reject(new Error('observer exited'))
    waiting.clear()
  })
  const call = (cmd, args = {}, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const id = ++counter
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`observer: no answer to ${cmd} in ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      child.send({ id, cmd, ...args })
    })
  await call('init', { wsUrl: relay.wsUrl, httpUrl: relay.httpUrl, pid: relay.pid, soul, putIntervalMs, healthIntervalMs, rssIntervalMs }, 20_000)
  return {
    phase: (name) => call('phase', { name }),
    quiet: () => call('quiet'),
    pause: () => call('pause'),
    resume: (pid) => call('resume', { pid }, 20_000),
    rss: () => call('rss'),
    verify: () => call('verify', {}, 60_000),
    summary: () => call('summary'),
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}
