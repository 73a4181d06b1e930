// A relay process for the measurement scripts: test/server/fixtures/relay-process.mjs on a free
// port of 127.0.0.1, memory or `dataDir`, mesh `limits` (JSON) if given. The whole measurement is
// bounded: past `deadlineMs` the relay is killed and the process exits 2.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const FIXTURE = fileURLToPath(new URL('../../test/server/fixtures/relay-process.mjs', import.meta.url))

/** @returns {Promise<{ relay: import('node:child_process').ChildProcess, port: number, stop(signal?: string): void }>} */
export async function startRelay({ name, dataDir = '-', limits, deadlineMs = 120_000 }) {
  const env = limits === undefined ? process.env : { ...process.env, TRELLIS_TEST_LIMITS: limits }
  const relay = spawn(process.execPath, [FIXTURE, '0', dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env })
  const deadline = setTimeout(() => {
    console.error(`${name}: over time, stopping`)
    relay.kill('SIGKILL')
    process.exit(2)
  }, deadlineMs)
  const port = await new Promise((resolve) =>
    relay.stdout.on('data', (d) => {
      const m = /READY (\d+)/.exec(d.toString())
      if (m) resolve(Number(m[1]))
    }),
  )
  return {
    relay,
    port,
    stop(signal = 'SIGKILL') {
      clearTimeout(deadline)
      relay.kill(signal)
    },
  }
}
