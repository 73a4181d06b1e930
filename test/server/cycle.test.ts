import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { rawClient, sleep, stockRelay, until, type RawClient } from './helpers.js'

type Msg = Record<string, unknown>
const pushesOf = (client: RawClient, value: unknown) =>
  client.heard.filter((m) => m['@'] === undefined && m.put !== undefined && JSON.stringify(m.put).includes(`"v":${JSON.stringify(value)}`))

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
    await sleep(300)
  })
  afterAll(async () => {
    for (const client of Object.values(subs)) client.close()
    await a.close()
    await b.close()
    await c.close()
  })

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
      await sleep(500)
      const settled = framesNow()
      await sleep(500)
      // Quiet: no frames keep circulating once the change has spread.
      expect(framesNow()).toBe(settled)
      for (const [name, client] of Object.entries(subs)) {
        if (name === writer) continue
        expect(pushesOf(client, value), `${name} got ${value} once`).toHaveLength(1)
      }
      // Bounded: a handful of frames per change through our two relays (a storm would be hundreds).
      expect(settled - before).toBeLessThan(20)
    })
  }
})
