import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const RELAY_SCRIPT = fileURLToPath(new URL('./fixtures/relay.mjs', import.meta.url))

/** Per soul, per key: [value as JSON text, state]. */
export type Dump = Record<string, Record<string, [string, number]>>

/** One relay of the cluster: a process that can be SIGKILLed and started again on the same port and data directory. */
export interface ClusterRelay {
  readonly name: string
  readonly port: number
  readonly dataDir: string
  readonly running: boolean
  /** Times started (1 + restarts). */
  readonly starts: number
  start(): Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
  /** What the relay holds itself (memory and its storage; it does not ask its peers). */
  dump(timeoutMs?: number): Promise<Dump>
  /** True when every relay peer it is configured with is connected. */
  linked(timeoutMs?: number): Promise<boolean>
  /** The last lines the process wrote to stderr (for a failure report). */
  stderrTail(): string
}

export function clusterRelay(name: string, port: number, dataDir: string, pid: string, peers: () => string[]): ClusterRelay {
  let child: ChildProcess | undefined
  let starts = 0
  let starting: Promise<void> | undefined
  let stderr = ''
  let counter = 0
  const waiting = new Map<number, (msg: { dump?: Dump; linked?: boolean; error?: string }) => void>()

  const ask = (cmd: string, timeoutMs: number) => {
    const proc = child
    if (proc === undefined || !relay.running) return Promise.reject(new Error(`${name} is not running`))
    const id = ++counter
    return new Promise<{ dump?: Dump; linked?: boolean }>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`${name}: no answer to ${cmd} in ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, (msg) => {
        clearTimeout(timer)
        waiting.delete(id)
        if (msg.error === undefined) resolve(msg)
        else reject(new Error(msg.error))
      })
      proc.send({ cmd, id })
    })
  }

  const relay: ClusterRelay = {
    name,
    port,
    dataDir,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    get starts() {
      return starts
    },
    start() {
      // One start at a time; a start interrupted by a kill rejects (killed: true) and a later start() tries again.
      if (starting !== undefined) return starting
      if (relay.running) return Promise.resolve()
      starts++
      const proc = fork(RELAY_SCRIPT, [String(port), dataDir, pid, peers().join(',')], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
      child = proc
      proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
      proc.on('message', (msg: { id?: number; ready?: number; dump?: Dump; linked?: boolean; error?: string }) => {
        if (msg.id !== undefined) waiting.get(msg.id)?.(msg)
      })
      proc.on('exit', () => {
        for (const done of [...waiting.values()]) done({ error: `${name} exited` })
      })
      starting = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.kill('SIGKILL')
          reject(new Error(`${name} did not start in 20 s: ${stderr}`))
        }, 20_000)
        const onMessage = (msg: { ready?: number }) => {
          if (msg.ready === undefined) return
          clearTimeout(timer)
          proc.off('message', onMessage)
          proc.off('exit', onExit)
          resolve()
        }
        const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
          clearTimeout(timer)
          reject(Object.assign(new Error(`${name} exited (${signal ?? code}) while starting: ${stderr}`), { killed: signal !== null }))
        }
        proc.on('message', onMessage)
        proc.once('exit', onExit)
      }).finally(() => (starting = undefined))
      return starting
    },
    kill(signal = 'SIGKILL') {
      const proc = child
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
      return new Promise<void>((resolve) => {
        proc.once('exit', () => resolve())
        proc.kill(signal)
      })
    },
    dump: (timeoutMs = 5000) => ask('dump', timeoutMs).then((msg) => msg.dump as Dump),
    linked: (timeoutMs = 5000) => ask('linked', timeoutMs).then((msg) => msg.linked === true),
    stderrTail: () => stderr,
  }
  return relay
}
