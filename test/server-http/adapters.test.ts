import type { Server } from 'node:http'
import express from 'express'
import { Hono } from 'hono'
import { serve as honoServe } from '@hono/node-server'
import WebSocket from 'ws'
import { describe, expect, it } from 'vitest'
import { createTrellisExpress } from '../../src/server/adapters/express.js'
import { createTrellisHono } from '../../src/server/adapters/hono.js'
import { call, closeStock, sse, stockGun, stockPut, until } from './helpers.js'

function baseOf(server: Server): string {
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

async function exercise(base: string): Promise<void> {
  // The host app's own route still answers.
  expect((await call(base, 'GET', '/hello')).body).toEqual({ hello: 'host' })
  // REST through the adapter, with the API's error format.
  expect((await call(base, 'PUT', '/api/v1/data/adapter', { ok: true })).status).toBe(200)
  expect((await call(base, 'GET', '/api/v1/data/adapter')).body).toEqual({ data: { ok: true }, path: 'adapter' })
  expect((await call(base, 'PUT', '/api/v1/data/adapter', '{bad')).body.code).toBe('INVALID_JSON')
  expect((await call(base, 'GET', '/healthz')).status).toBe(200)
  // SSE and a stock Gun client through the forwarded upgrade.
  const stream = await sse(`${base}/api/v1/subscribe/adapter-live`)
  const gun = stockGun([`${base}/gun`])
  try {
    expect((await stockPut(gun.get('adapter-live'), { n: 1 })).err).toBeUndefined()
    await until(() => stream.events.some((e) => (e.data as { n?: number }).n === 1), 5000, 'SSE update via the adapter')
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/subscribe/adapter-live/n`)
    const values: unknown[] = []
    ws.on('message', (d) => values.push((JSON.parse(d.toString()) as { data: unknown }).data))
    await until(() => values.includes(1), 5000, 'WebSocket subscription via the adapter')
    ws.close()
  } finally {
    stream.close()
    closeStock(gun)
  }
}

describe('adapters', () => {
  it('Express: middleware + attach serve the API, subscriptions and /gun beside the host routes', async () => {
    const trellis = await createTrellisExpress()
    const app = express()
    app.use(trellis.middleware)
    app.get('/hello', (_req, res) => {
      res.json({ hello: 'host' })
    })
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s))
    })
    trellis.attach(server)
    try {
      await exercise(baseOf(server))
    } finally {
      await trellis.close()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })

  it('Hono (@hono/node-server): the same', async () => {
    const trellis = await createTrellisHono()
    const app = new Hono()
    app.use('*', trellis.middleware)
    app.get('/hello', (c) => c.json({ hello: 'host' }))
    const server = await new Promise<Server>((resolve) => {
      const s = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server)) as Server
    })
    trellis.attach(server)
    try {
      await exercise(baseOf(server))
    } finally {
      await trellis.close()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })
})
