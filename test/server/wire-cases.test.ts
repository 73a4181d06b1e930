import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { graphHash } from '../../src/mesh/hash.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { rawClient, roundTrip, type RawClient } from './helpers.js'

const S = 1700000000000
const node = (soul: string, data: Record<string, unknown>, state = S) => ({
  [soul]: { _: { '#': soul, '>': Object.fromEntries(Object.keys(data).map((k) => [k, state])) }, ...data },
})

/** Reference gun-behaviours §3 C (cases 23–28) against our relay, over a real socket. */
describe('wire cases (reference §3 C) against a Trellis relay', () => {
  let relay: Relay
  const clients: RawClient[] = []
  const client = async (pid?: string) => {
    const c = await rawClient(relay.url, { pid })
    clients.push(c)
    return c
  }

  beforeAll(async () => {
    relay = await createRelay({ port: 0, limits: { chunkKeys: 9, maxFrameChars: 100_000 } })
  })
  afterAll(async () => {
    for (const c of clients) c.close()
    await relay.close()
  })

  it('23 handshake: the relay greets with dam ? and its pid; our answer is accepted; unknown dam ignored', async () => {
    const c = await client()
    const hello = await c.waitFor((m) => m.dam === '?')
    expect(hello.pid).toBe(relay.mesh.pid)
    expect(typeof hello['#']).toBe('string')
    c.send({ '#': 'u1', dam: 'weird', x: 1 })
    c.send({ '#': 'u2', dam: 'hi' })
    c.send({ '#': 'g23', get: { '#': 'nothing23' } })
    await c.waitFor((m) => m['@'] === 'g23')
    const peer = [...relay.mesh.peers].find((p) => p.pid === 'rawclient1')
    expect(peer).toBeDefined()
    // The answer to our greeting is not answered again (no ping-pong).
    expect(c.heard.filter((m) => m.dam === '?').length).toBe(1)
  })

  it('24 put ack: exactly one ok per put; same # is deduped; a no-op resend is acked (deliberate, see docs/mesh.md)', async () => {
    const c = await client()
    c.send({ '#': 'p1', put: node('ack24', { a: 1 }) })
    await c.waitFor((m) => m['@'] === 'p1')
    c.send({ '#': 'p1', put: node('ack24', { a: 1 }) })
    c.send({ '#': 'p1b', put: node('ack24', { a: 1 }) })
    await c.waitFor((m) => m['@'] === 'p1b')
    // Frames are handled and answered in order: a second ack for p1 would be here before this reply.
    await roundTrip(c)
    const acks = c.heard.filter((m) => m['@'] === 'p1')
    expect(acks).toHaveLength(1)
    expect(acks[0].ok).toBe(true)
  })

  it("invalid graphs are refused whole and answered with Gun's error text", async () => {
    const c = await client()
    c.send({ '#': 'bad1', put: { x: { _: { '#': 'y', '>': { a: S } }, a: 1 } } })
    c.send({ '#': 'bad2', put: { x: { _: { '#': 'x', '>': { a: S } }, a: 1, b: [1] } } })
    c.send({ '#': 'bad3', put: { x: { _: { '#': 'x', '>': { a: '1' } }, a: 1 } } })
    expect((await c.waitFor((m) => m['@'] === 'bad1')).err).toMatch(/soul not same/)
    expect((await c.waitFor((m) => m['@'] === 'bad2')).err).toMatch(/Invalid graph!/)
    expect((await c.waitFor((m) => m['@'] === 'bad3')).err).toMatch(/state/)
    c.send({ '#': 'g-x', get: { '#': 'x' } })
    expect((await c.waitFor((m) => m['@'] === 'g-x')).put).toBeUndefined()
  })

  it('25/26 get replies: whole node with ##, one key, not found without put, chunks linked by %', async () => {
    const c = await client()
    c.send({ '#': 'p25', put: node('lx', { apple: 5 }) })
    await c.waitFor((m) => m['@'] === 'p25')
    c.send({ '#': 'g25', get: { '#': 'lx' } })
    const whole = await c.waitFor((m) => m['@'] === 'g25')
    expect(whole.put).toEqual(node('lx', { apple: 5 }))
    expect(whole['##']).toBe(-1471477259)

    c.send({ '#': 'p25b', put: node('two', { a: 1, b: 2 }) })
    await c.waitFor((m) => m['@'] === 'p25b')
    c.send({ '#': 'g25b', get: { '#': 'two', '.': 'b' } })
    expect((await c.waitFor((m) => m['@'] === 'g25b')).put).toEqual(node('two', { b: 2 }))

    c.send({ '#': 'g25c', get: { '#': 'missing-soul' } })
    const missing = await c.waitFor((m) => m['@'] === 'g25c')
    expect(missing.put).toBeUndefined()

    const big: Record<string, unknown> = {}
    for (let i = 0; i < 20; i++) big[`k${i}`] = i
    c.send({ '#': 'p25d', put: node('big', big) })
    await c.waitFor((m) => m['@'] === 'p25d')
    c.send({ '#': 'g25d', get: { '#': 'big' } })
    await c.waitFor((m) => m['@'] === 'g25d' && m['%'] === undefined)
    const chunks = c.heard.filter((m) => m['@'] === 'g25d')
    expect(chunks).toHaveLength(3)
    const merged: Record<string, unknown> = {}
    for (const chunk of chunks) {
      const put = chunk.put as Record<string, Record<string, unknown>>
      expect(chunk['##']).toBe(graphHash(put))
      Object.assign(merged, put.big)
    }
    for (let i = 0; i < 20; i++) expect(merged[`k${i}`]).toBe(i)
    // Every chunk but the last names the next one.
    const ids = new Set(chunks.map((m) => m['#']))
    for (const chunk of chunks) if (chunk['%'] !== undefined) expect(ids.has(chunk['%'])).toBe(true)
  })

  it('27 subscription push: a GET subscribes; the writer is not echoed; no GET, no push', async () => {
    const a = await client('pidA')
    const b = await client('pidB')
    const c = await client('pidC')
    b.send({ '#': 'g27', get: { '#': 'mark' } })
    await b.waitFor((m) => m['@'] === 'g27')
    a.send({ '#': 'g27a', get: { '#': 'mark' } })
    await a.waitFor((m) => m['@'] === 'g27a')
    a.send({ '#': 'p27', put: node('mark', { name: 'Mark' }, Date.now()) })
    const push = await b.waitFor((m) => m.put !== undefined && m['@'] === undefined)
    expect(push['#']).not.toBe('p27')
    expect((push.put as Record<string, Record<string, unknown>>).mark.name).toBe('Mark')
    await a.waitFor((m) => m['@'] === 'p27')
    // b has its push, so the fan-out has run; a push to a or c was sent before these replies on their sockets.
    await Promise.all([roundTrip(a), roundTrip(c)])
    expect(a.heard.filter((m) => m.put !== undefined && m['@'] === undefined)).toHaveLength(0)
    expect(c.heard.filter((m) => m.put !== undefined)).toHaveLength(0)
  })

  it('28 batches, heartbeats, junk and oversize frames; malformed JSON keeps the connection', async () => {
    const c = await client()
    c.sendText(
      JSON.stringify([
        { '#': 'b1', get: { '#': 'n1' } },
        { '#': 'b2', get: { '#': 'n2' } },
      ]),
    )
    await c.waitFor((m) => m['@'] === 'b1')
    await c.waitFor((m) => m['@'] === 'b2')
    c.sendText('[]')
    c.sendText('hello there')
    c.sendText('{"#": broken')
    expect((await c.waitFor((m) => m.dam === '!')).err).toBe('DAM JSON parse error.')
    c.sendText(JSON.stringify({ '#': 'huge', put: { big: { _: { '#': 'big2', '>': { a: S } }, a: 'x'.repeat(150_000) } } }))
    await c.waitFor((m) => m.dam === '!' && m.err === 'Message too big!')
    c.send({ '#': 'after', get: { '#': 'n3' } })
    await c.waitFor((m) => m['@'] === 'after')
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('souls and keys named like prototype members are ordinary data', async () => {
    const c = await client()
    for (const soul of ['constructor', '__proto__', 'toString', 'big', 'link']) {
      c.send({ '#': `pp-${soul}`, put: { [soul]: { _: { '#': soul, '>': { __proto__: S, constructor: S } }, constructor: 'c' } } })
    }
    const text = `{"#":"pp-raw","put":{"__proto__":{"_":{"#":"__proto__",">":{"__proto__":${S}}},"__proto__":"yes"}}}`
    c.sendText(text)
    await c.waitFor((m) => m['@'] === 'pp-raw')
    c.send({ '#': 'gp', get: { '#': '__proto__' } })
    const reply = await c.waitFor((m) => m['@'] === 'gp')
    expect(JSON.stringify(reply.put)).toContain('"yes"')
    expect(({} as Record<string, unknown>).yes).toBeUndefined()
  })
})
