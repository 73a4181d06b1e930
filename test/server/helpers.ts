import { createRequire } from 'node:module'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { waitUntil } from '../support/wait.js'

const require = createRequire(import.meta.url)

/** A raw wire client: every message it hears, parsed (batches flattened), in order. */
export interface RawClient {
  ws: WebSocket
  heard: Record<string, unknown>[]
  frames: string[]
  send(msg: unknown): void
  sendText(text: string): void
  waitFor(predicate: (msg: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  close(): void
}

export async function rawClient(url: string, options: { answerHandshake?: boolean; pid?: string } = {}): Promise<RawClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'))
  const heard: Record<string, unknown>[] = []
  const frames: string[] = []
  const waiters = new Set<() => void>()
  ws.on('message', (data) => {
    const text = data.toString()
    frames.push(text)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    const list = Array.isArray(parsed) ? parsed : [parsed]
    for (const msg of list as Record<string, unknown>[]) {
      heard.push(msg)
      if (options.answerHandshake !== false && msg.dam === '?' && msg['@'] === undefined) {
        ws.send(JSON.stringify({ '#': 'hs' + Math.random().toString(36).slice(2), dam: '?', pid: options.pid ?? 'rawclient1', '@': msg['#'] }))
      }
    }
    for (const w of [...waiters]) w()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  return {
    ws,
    heard,
    frames,
    send: (msg) => ws.send(JSON.stringify(msg)),
    sendText: (text) => ws.send(text),
    waitFor(predicate, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = heard.find(predicate)
          if (hit !== undefined) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(hit)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(new Error(`timed out; heard ${JSON.stringify(heard).slice(0, 2000)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      })
    },
    close: () => ws.close(),
  }
}

let barriers = 0
/**
 * A round trip on `c`'s socket: a GET for a soul nobody writes, awaited. The relay answers a
 * socket's frames in order and sends to a peer in order, so once the reply is here, everything
 * the relay had already sent `c` has arrived too: the barrier behind a "nothing else came" check.
 */
export async function roundTrip(c: RawClient, timeoutMs?: number): Promise<void> {
  const id = `barrier${++barriers}`
  c.send({ '#': id, get: { '#': `barrier-soul-${id}` } })
  await c.waitFor((m) => m['@'] === id, timeoutMs)
}

export function tmpDir(prefix = 'trellis-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** Wait until `check` returns true (polling), or fail. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await waitUntil(check, what, timeoutMs)
}

type StockGunModule = (options: Record<string, unknown>) => StockGun
export interface StockGun {
  get(key: string): StockChain
  _: { opt: Record<string, unknown> }
}
export interface StockChain {
  get(key: string): StockChain
  put(data: unknown, cb?: (ack: Record<string, unknown>) => void): StockChain
  on(cb: (data: unknown, key: string) => void): StockChain
  once(cb: (data: unknown, key: string) => void): StockChain
  map(): StockChain
  set(data: unknown, cb?: (ack: Record<string, unknown>) => void): StockChain
  off(): void
}

// Stock Gun prints a banner and warnings; keep test output readable.
let quieted = false
function quiet(): void {
  if (quieted) return
  quieted = true
  const log = console.log
  console.log = (...args: unknown[]) => {
    const first = String(args[0] ?? '')
    if (first.startsWith('Hello wonderful person') || first.includes('AXE relay enabled') || first.startsWith('Warning: No localStorage')) return
    log(...args)
  }
}

/** The browser core (`gun/gun`) with `ws` as its WebSocket, no localStorage. */
export function stockBrowserGun(peers: string[]): StockGun {
  quiet()
  const Gun = require('gun/gun.js') as StockGunModule
  // radisk off: once `gun` (Node) is loaded in the same worker, its RAD hooks every instance and would write ./radata.
  return Gun({ peers, WebSocket, localStorage: false, radisk: false, multicast: false, axe: false, stats: false })
}

/** Node `gun` (RAD in a temp dir). AXE off: a Node client with AXE never sends its puts (reference §5.3). */
export function stockNodeGun(peers: string[], extra: Record<string, unknown> = {}): StockGun {
  quiet()
  const Gun = require('gun') as StockGunModule
  return Gun({ peers, file: tmpDir('gun-rad-'), multicast: false, axe: false, stats: false, ...extra })
}

/** A stock Gun relay (Node `gun`, AXE on as in production) on an ephemeral port. */
export async function stockRelay(extra: Record<string, unknown> = {}): Promise<{ url: string; gun: StockGun; close(): Promise<void> }> {
  quiet()
  const { createServer } = await import('node:http')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as { port: number }).port
  const Gun = require('gun') as StockGunModule
  const gun = Gun({ web: server, file: tmpDir('gun-relay-'), multicast: false, stats: false, ...extra })
  return {
    url: `http://127.0.0.1:${port}/gun`,
    gun,
    close: async () => {
      const opt = gun._.opt as { peers?: Record<string, { wire?: { close?: () => void; terminate?: () => void } }> }
      for (const peer of Object.values(opt.peers ?? {})) {
        try {
          peer.wire?.terminate?.()
        } catch {
          // reason: already closed
        }
      }
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
