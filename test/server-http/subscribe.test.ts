import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, closeStock, serve, sse, stockGun, stockPut, until, type Served, type StockGun } from './helpers.js'

describe('subscriptions receive writes made by a stock Gun client through /gun', () => {
  let s: Served
  let gun: StockGun
  beforeAll(async () => {
    s = await serve()
    gun = stockGun([s.gunUrl])
    // Node Gun dials its peers on first use.
    ;(gun.get('wake-up') as unknown as { once(cb: () => void): void }).once(() => {})
    await until(() => s.node.mesh.peers.size >= 1, 5000, 'stock Gun connected')
  })
  afterAll(async () => {
    closeStock(gun)
    await s.close()
  })

  it('Server-Sent Events: current value first, then every update', async () => {
    await stockPut(gun.get('room'), { topic: 'start' })
    const stream = await sse(`${s.base}/api/v1/subscribe/room`)
    expect(stream.status).toBe(200)
    expect(stream.contentType).toContain('text/event-stream')
    await until(() => stream.events.length >= 1, 3000, 'first event')
    expect(stream.events[0]).toMatchObject({ type: 'update', path: 'room', key: 'room', data: { topic: 'start' } })
    const ack = await stockPut(gun.get('room'), { topic: 'graphs' })
    expect(ack.err).toBeUndefined()
    await until(() => stream.events.some((e) => (e.data as { topic?: string }).topic === 'graphs'), 3000, 'update from stock Gun')
    stream.close()
  })

  it('SSE events of a node carry its newest state as id; a reconnect with Last-Event-ID resumes', async () => {
    await call(s.base, 'PUT', '/api/v1/data/resume', { n: 1 })
    const first = await sse(`${s.base}/api/v1/subscribe/resume`)
    await until(() => first.events.length >= 1, 3000, 'first event')
    const id = first.ids[0] as string
    expect(Number(id)).toBeGreaterThan(0)
    first.close()
    // Nothing changed: a reconnect that names the last id gets no snapshot, only what comes next.
    const again = await sse(`${s.base}/api/v1/subscribe/resume`, id)
    await call(s.base, 'PATCH', '/api/v1/data/resume', { n: 2 })
    await until(() => again.events.length >= 1, 3000, 'the change after the reconnect')
    expect(again.events).toHaveLength(1)
    expect(again.events[0]).toMatchObject({ data: { n: 2 } })
    expect(Number(again.ids[0])).toBeGreaterThan(Number(id))
    again.close()
    // A change missed while away: the reconnect gets the node as it is now.
    const missed = await sse(`${s.base}/api/v1/subscribe/resume`, id)
    await until(() => missed.events.length >= 1, 3000, 'the snapshot with what was missed')
    expect(missed.events[0]).toMatchObject({ data: { n: 2 } })
    missed.close()
  })

  it('WebSocket: a key path follows its value; a REST write reaches the stock client too', async () => {
    const ws = new WebSocket(`${s.base.replace('http', 'ws')}/api/v1/subscribe/profile/name`)
    const events: Record<string, unknown>[] = []
    ws.on('message', (data) => events.push(JSON.parse(data.toString()) as Record<string, unknown>))
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    await stockPut(gun.get('profile'), { name: 'Ann' })
    await until(() => events.some((e) => e.data === 'Ann'), 3000, 'Ann')
    expect(events.find((e) => e.data === 'Ann')).toEqual({ type: 'update', path: 'profile/name', key: 'name', data: 'Ann' })
    await stockPut(gun.get('profile'), { name: 'Bea' })
    await until(() => events.some((e) => e.data === 'Bea'), 3000, 'Bea')

    expect((await call(s.base, 'PATCH', '/api/v1/data/profile', { name: 'Cy' })).status).toBe(200)
    await until(() => events.some((e) => e.data === 'Cy'), 3000, 'ws sees the REST write')
    ws.close()
  })

  it('the other way: a REST write is pushed to a stock client subscribed with on()', async () => {
    await call(s.base, 'PUT', '/api/v1/data/news', { headline: 'first' })
    const seen: unknown[] = []
    ;(gun.get('news').get('headline') as unknown as { on(cb: (v: unknown) => void): void }).on((v) => seen.push(v))
    await until(() => seen.includes('first'), 3000, 'stock reads first')
    expect((await call(s.base, 'PATCH', '/api/v1/data/news', { headline: 'second' })).status).toBe(200)
    await until(() => seen.includes('second'), 3000, 'stock sees the REST write')
  })

  it('a bad subscription path is refused before upgrading', async () => {
    const ws = new WebSocket(`${s.base.replace('http', 'ws')}/api/v1/subscribe/a//b`)
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))
    expect(status).toBe(400)
  })
})
