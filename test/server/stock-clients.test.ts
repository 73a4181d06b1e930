import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import TGun from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { stockBrowserGun, stockNodeGun, until, type StockGun } from './helpers.js'
import { clockPasses } from '../support/wait.js'

type Ack = Record<string, unknown>
// reason: stock chains and Trellis chains share only the shape of put(data, callback); their typings differ.
// biome-ignore lint/suspicious/noExplicitAny: stock chains and Trellis chains share only the shape of put(data, callback).
const ackOf = (chain: any, data: unknown) => new Promise<Ack>((resolve) => chain.put(data, resolve))

/** Stock Gun clients (browser core and Node) and a Trellis client, all through one Trellis relay. */
describe('stock Gun clients through a Trellis relay', () => {
  let relay: Relay
  let browser: StockGun
  let node: StockGun
  let ours: RootChain

  beforeAll(async () => {
    relay = await createRelay({ port: 0 })
    browser = stockBrowserGun([relay.url])
    node = stockNodeGun([relay.url])
    ours = TGun({ peers: [relay.url], radisk: false })
    node.get('wake-up').once(() => {})
    await until(() => relay.sockets.clients >= 3, 5000, 'three clients')
  })
  afterAll(async () => {
    await ours.close()
    await relay.close()
  })

  /** Peers the relay pushes `soul` to. */
  const subscribers = (soul: string) => [...relay.mesh.peers].filter((peer) => peer.subscriptions.has(soul)).length

  for (const [name, stock] of [
    ['gun/gun (browser core)', () => browser],
    ['gun (Node)', () => node],
  ] as const) {
    describe(name, () => {
      it('put is acked by the relay; Trellis and stock readers get it (get/once)', async () => {
        const soul = `put-${name}`
        const ack = await ackOf(stock().get(soul), { name: 'Ann', age: 30 })
        expect(ack.err).toBeUndefined()
        expect(ack.ok).toBeTruthy()
        const seen = await new Promise<Record<string, unknown>>((resolve) => ours.get(soul).once((d: unknown) => resolve(d as Record<string, unknown>)))
        expect(seen.name).toBe('Ann')
        const other = name.startsWith('gun/gun') ? node : browser
        const seenStock = await new Promise<Record<string, unknown>>((resolve) => other.get(soul).once((d) => resolve(d as Record<string, unknown>)))
        expect(seenStock.age).toBe(30)
      })

      it('on: pushes flow both ways (stock writes → Trellis sees; Trellis writes → stock sees)', async () => {
        const soul = `live-${name}`
        const stockSeen: unknown[] = []
        const oursSeen: unknown[] = []
        const stateOfN = () => relay.engine.peek(soul)?.stateOf('n') ?? 0
        stock()
          .get(soul)
          .get('n')
          .on((v) => stockSeen.push(v))
        ours
          .get(soul)
          .get('n')
          .on((v: unknown) => oursSeen.push(v))
        // Both readers' GETs are at the relay, so the writes below reach them as pushes, not as GET replies.
        await until(() => subscribers(soul) >= 2, 5000, 'both readers subscribed at the relay')
        await ackOf(ours.get(soul), { n: 1 })
        await until(() => stockSeen.includes(1), 3000, 'stock sees 1')
        // HAM: each write must carry a later state than the one it replaces, and stock Gun's clock may run ahead of the wall clock.
        await clockPasses(stateOfN())
        await ackOf(stock().get(soul), { n: 2 })
        await until(() => oursSeen.includes(2), 3000, 'trellis sees 2')
        await clockPasses(stateOfN())
        await ackOf(ours.get(soul), { n: 3 })
        await until(() => stockSeen.includes(3), 3000, 'stock sees 3')
      })

      it('once on missing data fires with undefined', async () => {
        const value = await new Promise((resolve) => stock().get(`nothing-${name}`).once(resolve))
        expect(value).toBeUndefined()
      })

      it('set + map: items added by stock and by Trellis are listed on both sides', async () => {
        const list = `list-${name}`
        const stockItems = new Map<string, unknown>()
        const ourItems = new Map<string, unknown>()
        stock()
          .get(list)
          .map()
          .on((item, key) => stockItems.set(key, item))
        ours
          .get(list)
          .map()
          .on((item: unknown, key: string) => ourItems.set(key, item))
        // Both readers' GETs are at the relay, so the writes below reach them as pushes, not as GET replies.
        await until(() => subscribers(list) >= 2, 5000, 'both readers subscribed at the relay')
        stock().get(list).set({ title: 'from stock' })
        ours.get(list).set({ title: 'from trellis' })
        const titles = (items: Map<string, unknown>) =>
          [...items.values()]
            .map((v) => (v as Record<string, unknown> | undefined)?.title)
            .filter(Boolean)
            .sort()
        await until(() => titles(ourItems).length === 2, 4000, 'trellis lists both')
        await until(() => titles(stockItems).length === 2, 4000, 'stock lists both')
        expect(titles(ourItems)).toEqual(['from stock', 'from trellis'])
        expect(titles(stockItems)).toEqual(['from stock', 'from trellis'])
      })

      it('nested put by stock (path souls) reads back through Trellis', async () => {
        const soul = `nest-${name}`
        await ackOf(stock().get(soul), { profile: { city: 'Oslo' } })
        const city = await new Promise((resolve) => ours.get(soul).get('profile').get('city').once(resolve))
        expect(city).toBe('Oslo')
      })
    })
  }

  it('a Trellis write is acked by the relay', async () => {
    const ack = await ackOf(ours.get('trellis-ack'), { x: 1 })
    expect(ack).toEqual({ ok: true })
  })
})
