import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { rawClient, stockRelay, until, type RawClient } from './helpers.js'

type Msg = Record<string, unknown>
const pushesOf = (client: RawClient, value: unknown, key = 'v') =>
  client.heard.filter((m) => m['@'] === undefined && m.put !== undefined && JSON.stringify(m.put).includes(`"${key}":${JSON.stringify(value)}`))

/**
 * A cycle of three relays — A (Trellis) → B (Trellis) → C (stock Gun, AXE) → A —
 * with one subscriber on each. Every write reaches every other subscriber
 * exactly once, and the relays go quiet afterwards (no storm).
 */
describe('relay cycle: two Trellis relays and a stock one', () => {
  let a: Relay
  let b: Relay
  let c: Awaited<ReturnType<typeof stockRelay>>
  const subs: Record<string, RawClient> = {}

  beforeAll(async () => {
    a = await createRelay({ port: 0 })
    b = await createRelay({ port: 0 })
    c = await stockRelay({ peers: [a.url] })
    a.addPeer(b.url)
    b.addPeer(c.url)
    await until(() => a.stats().dialers.every((d) => d.connected) && b.stats().dialers.every((d) => d.connected), 5000, 'relays peered')
    subs.a = await rawClient(a.url, { pid: 'subA' })
    subs.b = await rawClient(b.url, { pid: 'subB' })
    subs.c = await rawClient(c.url, { pid: 'subC' })
    let n = 0
    for (const client of Object.values(subs)) {
      const id = `sub${n++}`
      client.send({ '#': id, get: { '#': 'cyc' } })
      await client.waitFor((m: Msg) => m['@'] === id, 5000)
    }
    // The subscriptions are in place along the cycle once a change from each relay reaches every other subscriber.
    for (const writer of Object.keys(subs)) await spread(writer, `warm-${writer}`)
  })
  afterAll(async () => {
    for (const client of Object.values(subs)) client.close()
    await a.close()
    await b.close()
    await c.close()
  })

  let markers = 0
  /** Write `value` under key `m` of the subscribed soul from `writer`'s subscriber; wait until every other subscriber has it. */
  const spread = async (writer: string, value = `marker${++markers}`) => {
    subs[writer].send({ '#': `m-${value}`, put: { cyc: { _: { '#': 'cyc', '>': { m: Date.now() } }, m: value } } })
    for (const [name, client] of Object.entries(subs)) {
      if (name !== writer) await until(() => pushesOf(client, value, 'm').length >= 1, 5000, `${name} receives ${value}`)
    }
  }

  const framesNow = () => a.mesh.stats().framesOut + a.mesh.stats().framesIn + b.mesh.stats().framesOut + b.mesh.stats().framesIn

  for (const [writer, value] of [
    ['a', 'from-a'],
    ['b', 'from-b'],
    ['c', 'from-c'],
  ] as const) {
    it(`a write on ${writer.toUpperCase()} reaches every other subscriber once, and the mesh goes quiet`, async () => {
      const before = framesNow()
      const id = `w-${writer}`
      subs[writer].send({ '#': id, put: { cyc: { _: { '#': 'cyc', '>': { v: Date.now() } }, v: value } } })
      for (const [name, client] of Object.entries(subs)) {
        if (name === writer) continue
        await until(() => pushesOf(client, value).length >= 1, 5000, `${name} receives ${value}`)
      }
      // Barriers instead of waiting: a later change from the same writer follows the same links in order, behind any copy of
      // this one still on its way; once it has spread, every copy that travelled ahead of it has arrived.
      await spread(writer)
      const settled = framesNow()
      await spread(writer)
      // Quiet: a change still circulating would add its frames during the second marker's spread, which alone costs
      // what any one change costs: a handful of frames through our two relays (a storm would be hundreds).
      expect(framesNow() - settled).toBeLessThan(20)
      for (const [name, client] of Object.entries(subs)) {
        if (name === writer) continue
        expect(pushesOf(client, value), `${name} got ${value} once`).toHaveLength(1)
      }
      // Bounded: the write and the first marker, a handful of frames each.
      expect(settled - before).toBeLessThan(2 * 20)
    })
  }
})
