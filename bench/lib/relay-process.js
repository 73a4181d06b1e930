// Starts a relay (Trellis, stock Gun or the bare ws ceiling) in its own
// process, so the relay and the clients never share an event loop or a heap.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { removeDir, tempDir } from './disk.js'

const ENTRY = fileURLToPath(new URL('../scenarios/relay-server.js', import.meta.url))

export async function startRelayProcess(kind, { startTimeoutMs = 20_000 } = {}) {
  const dir = tempDir(`${kind}-relay`)
  const child = fork(ENTRY, [kind, dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} relay did not start within ${startTimeoutMs} ms`)), startTimeoutMs)
    child.once('exit', (code) => reject(new Error(`${kind} relay exited (${code}) before it was ready`)))
    child.on('message', (msg) => {
      if (msg?.type === 'ready') {
        clearTimeout(timer)
        resolve(msg.url)
      }
      if (msg?.type === 'error') {
        clearTimeout(timer)
        reject(new Error(msg.error))
      }
    })
  })
  return {
    url,
    /** Resident set size of the relay process, in bytes. */
    rss: () =>
      new Promise((resolve) => {
        const onMessage = (msg) => {
          if (msg?.type !== 'rss') return
          child.off('message', onMessage)
          resolve(msg.rss)
        }
        child.on('message', onMessage)
        child.send({ type: 'rss' })
      }),
    close: async () => {
      child.kill('SIGKILL')
      await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)))
      removeDir(dir)
    },
  }
}
