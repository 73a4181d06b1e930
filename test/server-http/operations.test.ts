import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, closeStock, serve, stockGun, stockPut, tmpDir, until, type Served, type StockGun } from './helpers.js'
import { parsePrometheus, sampleValue } from './prometheus.js'

async function scrape(base: string) {
  const response = await fetch(`${base}/metrics`)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  return parsePrometheus(await response.text())
}

describe('operations: health, readiness, metrics', () => {
  let s: Served
  let gun: StockGun
  beforeAll(async () => {
    s = await serve({ dataDir: tmpDir() })
    gun = stockGun([s.gunUrl])
  })
  afterAll(async () => {
    closeStock(gun)
    await s.close()
  })

  it('/healthz answers; /readyz reports storage open and the peers', async () => {
    const health = await call(s.base, 'GET', '/healthz')
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } })
    const ready = await call(s.base, 'GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ status: 'ready', storage: { open: true, durable: true }, peers: { relays: [] } })
  })

  it('/metrics parses as Prometheus text and its counters move with traffic', async () => {
    const before = await scrape(s.base)
    expect(before.types.get('trellis_writes_total')).toBe('counter')
    expect(before.types.get('trellis_operation_duration_seconds')).toBe('histogram')
    expect(before.types.get('trellis_peers')).toBe('gauge')
    expect(sampleValue(before.samples, 'trellis_sea_cached_keys')).toBeGreaterThanOrEqual(0)
    expect(sampleValue(before.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    expect(sampleValue(before.samples, 'trellis_storage_bytes')).toBeGreaterThanOrEqual(0)
    const httpWrites = sampleValue(before.samples, 'trellis_writes_total', { origin: 'http' })
    const peerWrites = sampleValue(before.samples, 'trellis_writes_total', { origin: 'peer' })
    const reads = sampleValue(before.samples, 'trellis_reads_total', { source: 'http' })

    for (let i = 0; i < 5; i++) expect((await call(s.base, 'PUT', `/api/v1/data/m${i}`, { i })).status).toBe(200)
    for (let i = 0; i < 3; i++) expect((await call(s.base, 'GET', `/api/v1/data/m${i}`)).status).toBe(200)
    expect((await stockPut(gun.get('from-stock'), { x: 1 })).err).toBeUndefined()
    const sub = new WebSocket(`${s.base.replace('http', 'ws')}/api/v1/subscribe/m1`)
    await new Promise((resolve) => sub.once('message', resolve))

    const after = await scrape(s.base)
    expect(sampleValue(after.samples, 'trellis_writes_total', { origin: 'http' })).toBe(httpWrites + 5)
    expect(sampleValue(after.samples, 'trellis_writes_total', { origin: 'peer' })).toBeGreaterThan(peerWrites)
    expect(sampleValue(after.samples, 'trellis_reads_total', { source: 'http' })).toBe(reads + 3)

    // A LEX read over souls from a peer counts one wire read per node it serves (m0…m4).
    const wireReads = sampleValue(after.samples, 'trellis_reads_total', { source: 'wire' })
    const raw = new WebSocket(`${s.base.replace('http', 'ws')}/gun`)
    await new Promise((resolve) => raw.once('open', resolve))
    const answered = new Promise((resolve) => raw.on('message', (data) => String(data).includes('"@":"lex1"') && resolve(undefined)))
    raw.send(JSON.stringify({ '#': 'lex1', get: { '#': { '*': 'm' } } }))
    await answered
    raw.close()
    expect(sampleValue((await scrape(s.base)).samples, 'trellis_reads_total', { source: 'wire' })).toBe(wireReads + 5)
    expect(sampleValue(after.samples, 'trellis_operation_duration_seconds_count', { op: 'put' })).toBeGreaterThanOrEqual(5)
    expect(sampleValue(after.samples, 'trellis_http_requests_total', { op: 'read', status: '200' })).toBeGreaterThanOrEqual(3)
    expect(sampleValue(after.samples, 'trellis_peers', { kind: 'incoming' })).toBe(1)
    expect(sampleValue(after.samples, 'trellis_subscribers', { transport: 'websocket' })).toBe(1)
    expect(sampleValue(after.samples, 'trellis_sync_frames_total', { direction: 'in' })).toBeGreaterThan(0)
    expect(sampleValue(after.samples, 'trellis_storage_bytes')).toBeGreaterThan(0)
    expect(sampleValue(after.samples, 'trellis_mesh_table_size', { table: 'dedup' })).toBeGreaterThan(0)
    sub.close()
    await until(() => s.node.mesh.peers.size === 1)
  })

  it('readiness fails once the node is closing', async () => {
    const other = await serve()
    const closing = other.node.close()
    const ready = await call(other.base, 'GET', '/readyz')
    expect(ready.status).toBe(503)
    await closing
    await other.close()
  })
})

describe('CORS', () => {
  it('allows only the configured origins on the API', async () => {
    const s = await serve({ cors: { origin: ['https://app.example'] } })
    try {
      const allowed = await fetch(`${s.base}/api/v1/data/x`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'PUT' },
      })
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example')
      const other = await fetch(`${s.base}/api/v1/data/x`, { headers: { origin: 'https://evil.example' } })
      expect(other.headers.get('access-control-allow-origin')).toBeNull()
    } finally {
      await s.close()
    }
  })
})
