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
