import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  base: string
  output(): string
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>
}

/** Start `trellis serve` (the built CLI) in a child process and wait until it listens. */
export function startServerProcess(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', ...env } })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000)
    const onData = () => {
      const m = /listening on (http:\/\/[^/\s]+)\/gun/.exec(out)
      if (m === null) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve({ child, base: m[1], output: () => out, exited })
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${out}`))
    })
  })
}
