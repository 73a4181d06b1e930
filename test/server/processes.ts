import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

const RELAY_SCRIPT = fileURLToPath(new URL('./fixtures/relay-process.mjs', import.meta.url))

/** A free TCP port on 127.0.0.1 (bound then released), so a relay can be restarted on the same URL. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}

export interface RelayProcess {
  child: ChildProcess
  url: string
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** Start `dist/` relay in a child process and wait until it listens. */
export function startRelayProcess(port: number, dataDir: string | undefined, peers: string[] = []): Promise<RelayProcess> {
  const child = spawn(process.execPath, [RELAY_SCRIPT, String(port), dataDir ?? '-', peers.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${stderr}`)), 15_000)
    child.stdout?.on('data', (d: Buffer) => {
      if (!d.toString().includes('READY')) return
      clearTimeout(timer)
      resolve({
        child,
        url: `http://127.0.0.1:${port}/gun`,
        kill: (signal = 'SIGKILL') =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done()
            child.once('exit', () => done())
            child.kill(signal)
          }),
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`relay exited with ${code}: ${stderr}`))
    })
  })
}
