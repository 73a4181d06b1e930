// A real relay process: `node dist/cli/main.js serve` on 127.0.0.1, a free
// port and a temp data directory. Only public CLI flags are used, and only
// those the built CLI lists in `serve --help`, so the script runs against
// today's relay and against the hardened one (which has more bound flags).
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { trackChild } from './cleanup.mjs'
import { collectAndMeasure, inspectorUrl, measure } from './inspector.mjs'

export const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url))

/** The flags `trellis serve --help` lists (without the leading dashes). */
export function supportedServeFlags() {
  const help = execFileSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8', timeout: 15_000 })
  const flags = new Set()
  for (const match of help.matchAll(/^\s+--([a-z0-9][a-z0-9-]*)/gm)) flags.add(match[1])
  return flags
}

/** A free TCP port on 127.0.0.1 (bound then released), so a restart can reuse the same URL. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** VmRSS of a process in bytes, from /proc; undefined once it is gone. */
export function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return match === null ? undefined : Number(match[1]) * 1024
  } catch {
    return undefined
  }
}

/**
 * Start `trellis serve` and wait for its "listening" line.
 * @param {{ port: number, dataDir: string, flags?: string[], startTimeoutMs?: number }} options
 */
export function startRelay({ port, dataDir, flags = [], startTimeoutMs = 20_000 }) {
  const args = [CLI, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn', ...flags]
  // --inspect (loopback, a free port): the harness forces a GC through it after an attack (inspector.mjs).
  const child = trackChild(spawn(process.execPath, ['--inspect=127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }))
  let tail = ''
  let devtools
  const keep = (chunk) => (tail = (tail + chunk.toString()).slice(-4000))
  child.stderr.on('data', (chunk) => {
    keep(chunk)
    devtools ??= inspectorUrl(tail)
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`relay did not start in ${startTimeoutMs} ms: ${tail}`))
    }, startTimeoutMs)
    let ready = false
    child.stdout.on('data', (chunk) => {
      keep(chunk)
      if (ready || !tail.includes('listening on')) return
      ready = true
      clearTimeout(timer)
      resolve({
        pid: child.pid,
        port,
        args: args.slice(2),
        wsUrl: `ws://127.0.0.1:${port}/gun`,
        httpUrl: `http://127.0.0.1:${port}`,
        exited,
        get alive() {
          return child.exitCode === null && child.signalCode === null
        },
        output: () => tail,
        /** Force a full GC in the relay and return its process.memoryUsage(); undefined when the inspector is not there. */
        async collect() {
          if (devtools === undefined) return undefined
          return collectAndMeasure(devtools)
        },
        /** The relay's process.memoryUsage() as it is (no GC first); undefined when the inspector is not there. */
        async memory() {
          if (devtools === undefined) return undefined
          return measure(devtools)
        },
        /** Send `signal` and wait for the exit (SIGKILL after `graceMs` if it lingers). */
        async stop(signal = 'SIGKILL', graceMs = 15_000) {
          if (child.exitCode !== null || child.signalCode !== null) return exited
          child.kill(signal)
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
          const result = await exited
          clearTimeout(timer)
          return result
        },
      })
    })
    child.once('exit', (code, signal) => {
      if (ready) return
      clearTimeout(timer)
      reject(new Error(`relay exited (${signal ?? code}) before it listened: ${tail}`))
    })
  })
}
