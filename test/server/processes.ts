import { fork, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { killChild } from '../support/processes.js'

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

/** Start `dist/` relay in a child process and wait until it listens; `options` are more createRelay options (RELAY_OPTIONS). */
export function startRelayProcess(port: number, dataDir: string | undefined, peers: string[] = [], options?: Record<string, unknown>): Promise<RelayProcess> {
  const env = options === undefined ? process.env : { ...process.env, RELAY_OPTIONS: JSON.stringify(options) }
  const child = spawn(process.execPath, [RELAY_SCRIPT, String(port), dataDir ?? '-', peers.join(',')], { stdio: ['ignore', 'pipe', 'pipe'], env })
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
        kill: (signal = 'SIGKILL') => killChild(child, signal),
      })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`relay exited with ${code}: ${stderr}`))
    })
  })
}

const STOCK_CLIENT_SCRIPT = fileURLToPath(new URL('./fixtures/stock-gun-client.cjs', import.meta.url))

interface StockGunAck {
  err?: unknown
  ok?: unknown
}

/** A stock Gun Node client (`require('gun')`) in a child process: see fixtures/stock-gun-client.cjs. */
export interface StockGunProcess {
  child: ChildProcess
  /** Each subscribed soul's plain fields, as its latest `.on` call reported them. */
  nodes: Map<string, Record<string, unknown>>
  /** How often the app had to add the relay again after stock Gun dropped it from opt.peers. */
  readded: number
  /** Times stock Gun said bye to a peer: a link closing, or a dial failing. */
  byes: number
  on(soul: string): void
  /** Resolves with the first ack (stock Gun acks from its own disk as well as from the relay). */
  put(soul: string, data: Record<string, unknown>, timeoutMs?: number): Promise<StockGunAck>
  /** Stock Gun's own view of its peers: `opt.peers` URLs with their socket's readyState. */
  status(): Promise<Record<string, { readyState: number | null; met: boolean }>>
  kill(): Promise<void>
}

/** Fork a stock Gun Node client peered with `relayUrl` only, its RAD in `storageDir`; resolves once Gun is loaded. */
export function startStockGunClient(relayUrl: string, storageDir: string): Promise<StockGunProcess> {
  const child = fork(STOCK_CLIENT_SCRIPT, [relayUrl, storageDir], { cwd: storageDir, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const waiting = new Map<string, (value: never) => void>()
  let counter = 0
  const request = <T>(msg: Record<string, unknown>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = `r${++counter}`
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`stock client: no answer to ${what} in ${timeoutMs} ms ${stderr}`))
      }, timeoutMs)
      waiting.set(id, ((value: T) => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve(value)
      }) as (value: never) => void)
      child.send({ ...msg, id })
    })
  const client: StockGunProcess = {
    child,
    nodes: new Map(),
    readded: 0,
    byes: 0,
    on: (soul) => void child.send({ cmd: 'on', soul }),
    put: (soul, data, timeoutMs = 5000) => request<StockGunAck>({ cmd: 'put', soul, data }, timeoutMs, `put ${soul}`),
    status: () => request({ cmd: 'status' }, 2000, 'status'),
    kill: () => killChild(child),
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`stock client did not start: ${stderr}`))
    }, 15_000)
    child.on('message', (msg: { ev: string; id?: string; soul?: string; node?: Record<string, unknown>; ack?: StockGunAck; peers?: unknown }) => {
      if (msg.ev === 'ready') {
        clearTimeout(timer)
        resolve(client)
      } else if (msg.ev === 'node' && msg.soul !== undefined && msg.node !== undefined) {
        client.nodes.set(msg.soul, msg.node)
      } else if (msg.ev === 'readded') {
        client.readded++
      } else if (msg.ev === 'bye') {
        client.byes++
      } else if (msg.id !== undefined) {
        waiting.get(msg.id)?.((msg.ev === 'ack' ? msg.ack : msg.peers) as never)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`stock client exited with ${code}: ${stderr}`))
    })
  })
}
