import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { createTrellisApp, type TrellisAppOptions } from '../../src/server/http/app.js'
import type { TrellisNode } from '../../src/server/http/node.js'

export interface Served {
  app: FastifyInstance
  node: TrellisNode
  base: string
  gunUrl: string
  close(): Promise<void>
}

/** A Trellis app listening on 127.0.0.1 with an ephemeral port. */
export async function serve(options: TrellisAppOptions = {}): Promise<Served> {
  const { app, node } = await createTrellisApp(options)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const base = `http://127.0.0.1:${port}`
  return { app, node, base, gunUrl: `${base}/gun`, close: () => app.close() }
}

export interface JsonResponse {
  status: number
  headers: Headers
  body: Record<string, unknown>
}

export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) (init.headers as Record<string, string>)['content-type'] = 'application/json'
  }
  const response = await fetch(base + path, init)
  const text = await response.text()
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch {
    parsed = { text }
  }
  return { status: response.status, headers: response.headers, body: parsed }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function tmpDir(prefix = 'trellis-http-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export interface StockChain {
  get(key: string): StockChain
  put(data: unknown, cb?: (ack: Record<string, unknown>) => void): StockChain
}
export interface StockGun extends StockChain {
  _: { opt: { peers?: Record<string, { wire?: { terminate?: () => void } }> } }
}

let quieted = false
/** Stock Node Gun (`require('gun')`): no multicast, no AXE, RAD in a temp dir. */
export function stockGun(peers: string[]): StockGun {
  if (!quieted) {
    quieted = true
    const log = console.log
    console.log = (...args: unknown[]) => {
      const first = String(args[0] ?? '')
      if (first.startsWith('Hello wonderful person') || first.includes('AXE relay enabled')) return
      log(...args)
    }
  }
  const require = createRequire(import.meta.url)
  const Gun = require('gun') as (options: Record<string, unknown>) => StockGun
  return Gun({ peers, file: tmpDir('gun-rad-'), multicast: false, axe: false, stats: false })
}

export function closeStock(gun: StockGun): void {
  for (const peer of Object.values(gun._.opt.peers ?? {})) {
    try {
      peer.wire?.terminate?.()
    } catch {
      // reason: already closed
    }
  }
}

export const stockPut = (chain: StockChain, data: unknown) => new Promise<Record<string, unknown>>((resolve) => chain.put(data, resolve))

/** Read a Server-Sent Events stream: every `data:` payload, parsed, as it arrives, and the `id:` of each event (or undefined). */
export async function sse(
  url: string,
  lastEventId?: string,
): Promise<{ events: Record<string, unknown>[]; ids: (string | undefined)[]; status: number; contentType: string | null; close(): void }> {
  const controller = new AbortController()
  const headers: Record<string, string> = { accept: 'text/event-stream' }
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
  const response = await fetch(url, { headers, signal: controller.signal })
  const events: Record<string, unknown>[] = []
  const ids: (string | undefined)[] = []
  const reader = response.body?.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read()
        if (chunk === undefined || chunk.done) return
        buffer += decoder.decode(chunk.value, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let id: string | undefined
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4)
            if (line.startsWith('data: ')) {
              events.push(JSON.parse(line.slice(6)) as Record<string, unknown>)
              ids.push(id)
            }
          }
        }
      }
    } catch {
      // reason: aborted by close()
    }
  })()
  return { events, ids, status: response.status, contentType: response.headers.get('content-type'), close: () => controller.abort() }
}
