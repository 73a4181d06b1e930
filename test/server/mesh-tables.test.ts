import { afterEach, describe, expect, it } from 'vitest'
import { parsePrometheus } from '../server-http/prometheus.js'
import { rawClient, until, type RawClient } from './helpers.js'
import { freePort, startRelayProcess, type RelayProcess } from './processes.js'
import { waitUntil } from '../support/wait.js'

type Msg = Record<string, unknown>

/**
 * The relay's mesh tables against a real relay process (issue 11, findings 15 and 16): route and
 * dedup tables empty themselves when nobody sends anything any more, and a message whose id is too
 * long is answered with an error notice instead of being dropped silently.
 */
const relays: RelayProcess[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const r of relays.splice(0)) await r.kill()
})

async function startRelay(options: Record<string, unknown> = {}): Promise<{ relay: RelayProcess; port: number }> {
  const port = await freePort()
  const relay = await startRelayProcess(port, undefined, [], { admin: false, ...options })
  relays.push(relay)
  return { relay, port }
}

async function client(url: string): Promise<RawClient> {
  const c = await rawClient(url)
  clients.push(c)
  return c
}

async function tables(port: number, metric: string): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const out: Record<string, number> = {}
  for (const s of parsePrometheus(text).samples) if (s.name === metric) out[s.labels.table] = s.value
  return out
}

/** Poll the relay's metrics (an event we wait for, not a fixed sleep) until `check` holds. */
async function metricsUntil(port: number, check: (sizes: Record<string, number>, bytes: Record<string, number>) => boolean, timeoutMs: number, what: string) {
  let last = ''
  return waitUntil(
    async () => {
      const [sizes, bytes] = [await tables(port, 'trellis_mesh_table_size'), await tables(port, 'trellis_mesh_table_bytes')]
      last = `sizes ${JSON.stringify(sizes)}, bytes ${JSON.stringify(bytes)}`
      return check(sizes, bytes) && { sizes, bytes }
    },
    what,
    timeoutMs,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (${last})`)
  })
}

const node = (soul: string, value: string) => ({ [soul]: { _: { '#': soul, '>': { v: Date.now() } }, v: value } })

describe('route and dedup tables (finding 15)', () => {
  it('expire without traffic: filled, then every client gone, then empty after their age', async () => {
    const AGE = 1500
    const { relay, port } = await startRelay({ limits: { dedupAgeMs: AGE, routeAgeMs: AGE } })
    const c = await client(relay.url)
    const N = 500
    // Each first GET of a soul leaves an ask-back route the client never answers; each put an id in dedup.
    const batch: Msg[] = []
    for (let i = 0; i < N; i++) batch.push({ '#': `get-${i}-${'g'.repeat(40)}`, get: { '#': `soul/${i}` } })
    for (let i = 0; i < N; i++) batch.push({ '#': `put-${i}-${'p'.repeat(40)}`, put: node(`w/${i}`, `v${i}`) })
    c.sendText(JSON.stringify(batch))
    await until(() => c.heard.filter((m) => m.get !== undefined).length >= N && c.heard.filter((m) => m.ok === true).length >= N, 10_000, 'ask-backs and acks')
    c.close()
    // Bytes count the ids' characters: each client id here is 46+ characters.
    const filled = await tables(port, 'trellis_mesh_table_bytes')
    const sizes = await tables(port, 'trellis_mesh_table_size')
    expect(sizes.routes + sizes.dedup).toBeGreaterThan(0)
    expect(filled.routes + filled.dedup).toBeGreaterThan(0)
    // Nothing else happens on the relay: the tables must empty by themselves.
    await metricsUntil(port, (s, b) => s.routes === 0 && s.dedup === 0 && b.routes === 0 && b.dedup === 0, 15_000, 'empty route and dedup tables')
  })

  it('count the bytes of the ids they hold', async () => {
    const { relay, port } = await startRelay({ limits: { dedupAgeMs: 60_000, routeAgeMs: 60_000 } })
    const before = await tables(port, 'trellis_mesh_table_bytes')
    const c = await client(relay.url)
    const id = 'i'.repeat(100)
    c.send({ '#': id, put: node('bytes/one', 'x') })
    await c.waitFor((m) => m['@'] === id && m.ok === true, 5000)
    const after = await tables(port, 'trellis_mesh_table_bytes')
    // Our id (100), the ack's own id (not tracked: acks travel one route) and the greeting's answer id.
    expect(after.dedup - before.dedup).toBeGreaterThanOrEqual(100)
  })

  it('bound the bytes of ids: past maxDedupBytes the oldest go', async () => {
    const { relay, port } = await startRelay({ limits: { dedupAgeMs: 60_000, maxDedupBytes: 10_000 } })
    const c = await client(relay.url)
    const batch: Msg[] = []
    for (let i = 0; i < 300; i++) batch.push({ '#': `${String(i).padStart(4, '0')}-${'d'.repeat(95)}`, put: node(`b/${i}`, 'x') })
    c.sendText(JSON.stringify(batch))
    await until(() => c.heard.filter((m) => m.ok === true).length >= 300, 10_000, 'acks')
    const bytes = await tables(port, 'trellis_mesh_table_bytes')
    expect(bytes.dedup).toBeLessThanOrEqual(10_000)
    expect(bytes.dedup).toBeGreaterThan(9_000)
  })
})

describe('message ids over maxIdChars (finding 16)', () => {
  it('are answered with an error notice naming the limit and the id, once per frame', async () => {
    const { relay } = await startRelay()
    const c = await client(relay.url)
    const longId = 'L'.repeat(200)
    c.send({ '#': longId, put: node('long/id', 'x') })
    const notice = await c.waitFor((m) => m.dam === '!' && String(m.err).includes('Message id too long'), 5000)
    expect(String(notice.err)).toContain('200 chars, at most 128')
    expect(String(notice.err)).toContain('L'.repeat(128))
    // The put was not applied: a GET finds nothing.
    c.send({ '#': 'check-long', get: { '#': 'long/id' } })
    const answer = await c.waitFor((m) => m['@'] === 'check-long', 5000)
    expect(answer.put).toBeUndefined()

    // A frame of many such messages gets one notice, not one per message.
    const before = c.heard.filter((m) => m.dam === '!').length
    c.sendText(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ '#': `${i}-${'M'.repeat(300)}`, put: node(`long/${i}`, 'x') }))))
    c.send({ '#': 'after-batch', get: { '#': 'long/0' } })
    await c.waitFor((m) => m['@'] === 'after-batch', 5000)
    expect(c.heard.filter((m) => m.dam === '!').length - before).toBe(1)
  })
})
