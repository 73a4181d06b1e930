import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { killChild } from '../support/processes.js'

const SCRIPT = fileURLToPath(new URL('./fixtures/stock-user.cjs', import.meta.url))

interface StockUserAck {
  err?: string
  pub?: string
  ok?: unknown
  value?: unknown
}

/** A stock Gun + SEA client in a child process (fixtures/stock-user.cjs). */
export interface StockUser {
  create(alias: string, pass: string): Promise<StockUserAck>
  auth(alias: string, pass: string): Promise<StockUserAck>
  put(key: string, value: unknown): Promise<StockUserAck>
  read(pub: string, key: string): Promise<StockUserAck>
  kill(): Promise<void>
}

export function startStockUser(relayUrl: string, storageDir: string): Promise<StockUser> {
  const child: ChildProcess = fork(SCRIPT, [relayUrl, storageDir], { cwd: storageDir, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
  const waiting = new Map<string, (ack: StockUserAck) => void>()
  let counter = 0
  const request = (msg: Record<string, unknown>, timeoutMs = 20_000) =>
    new Promise<StockUserAck>((resolve, reject) => {
      const id = `q${++counter}`
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`stock user: no answer to ${JSON.stringify(msg)} in ${timeoutMs} ms ${stderr}`))
      }, timeoutMs)
      waiting.set(id, (ack) => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve(ack)
      })
      child.send({ ...msg, id })
    })
  const user: StockUser = {
    create: (alias, pass) => request({ cmd: 'create', alias, pass }),
    auth: (alias, pass) => request({ cmd: 'auth', alias, pass }),
    put: (key, value) => request({ cmd: 'put', key, value }),
    read: (pub, key) => request({ cmd: 'read', pub, key }),
    kill: () => killChild(child),
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`stock user did not start: ${stderr}`))
    }, 15_000)
    child.on('message', (msg: { ev?: string; id?: string; ack?: StockUserAck }) => {
      if (msg.ev === 'ready') {
        clearTimeout(timer)
        resolve(user)
      } else if (msg.id !== undefined) waiting.get(msg.id)?.(msg.ack ?? {})
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`stock user exited with ${code}: ${stderr}`))
    })
  })
}
