import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { MeshLimits } from '../../src/mesh/limits.js'

const RELAY_SCRIPT = fileURLToPath(new URL('./fixtures/relay-process.mjs', import.meta.url))

export interface LimitedRelay {
  child: ChildProcess
  port: number
  url: string
  /** One figure from the relay's /metrics (first sample of that name), or undefined when it has none. */
  metric(name: string): Promise<number | undefined>
  kill(): Promise<void>
}

/** The built relay (`dist/`) in a child process on 127.0.0.1, with some mesh limits overridden. */
export function startLimitedRelay(limits: Partial<MeshLimits> = {}): Promise<LimitedRelay> {
  const child = spawn(process.execPath, [RELAY_SCRIPT, '0', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRELLIS_TEST_LIMITS: JSON.stringify(limits) },
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`relay did not start: ${stderr}`))
    }, 15_000)
    child.stdout?.on('data', (d: Buffer) => {
      const m = /READY (\d+)/.exec(d.toString())
      if (m === null) return
      clearTimeout(timer)
      const port = Number(m[1])
      resolve({
        child,
        port,
        url: `http://127.0.0.1:${port}/gun`,
        async metric(name) {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
          const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'))
          return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
        },
        kill: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done()
            child.once('exit', () => done())
            child.kill('SIGKILL')
          }),
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`relay exited with ${code}: ${stderr}`))
    })
  })
}
