import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import TGun from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { stockBrowserGun, stockRelay, until, type StockGun } from './helpers.js'
import { clockPasses } from '../support/wait.js'

/** A Trellis client through a stock Gun relay (AXE on), with a stock browser-core client on the other side. */
describe('Trellis client through a stock Gun relay', () => {
  let relay: Awaited<ReturnType<typeof stockRelay>>
  let ours: RootChain
  let stock: StockGun

  beforeAll(async () => {
    relay = await stockRelay()
    ours = TGun({ peers: [relay.url], radisk: false })
    stock = stockBrowserGun([relay.url])
  })
  afterAll(async () => {
    await ours.close()
    await relay.close()
  })

  it('our put is acked by the stock relay and a stock client reads it', async () => {
    const ack = await new Promise<{ err?: string }>((resolve) => ours.get('t-ann').put({ name: 'Ann' }, (a) => resolve(a)))
    expect(ack.err).toBeUndefined()
    const seen = await new Promise<unknown>((resolve) => stock.get('t-ann').get('name').once(resolve))
    expect(seen).toBe('Ann')
  })

  it('a stock write reaches our once and our on (subscription through AXE)', async () => {
    await new Promise((resolve) => stock.get('s-bob').put({ name: 'Bob' }, resolve))
    expect(await new Promise((resolve) => ours.get('s-bob').get('name').once(resolve))).toBe('Bob')
    const seen: unknown[] = []
    ours
      .get('s-live')
      .get('v')
      .on((v: unknown) => seen.push(v))
    const stockSeen: unknown[] = []
    stock
      .get('s-live')
      .get('v')
      .on((v) => stockSeen.push(v))
    // Subscribed at the relay: our GET went out before this write on the same socket, and stock sees the write
    // only through the relay (a GET's reply or a push), so its GET has been heard too.
    ours.get('s-live').put({ v: 0 })
    await until(() => stockSeen.includes(0), 4000, 'stock sees the first trellis write')
    // HAM: each write needs a later state than the one it replaces (a tie in one millisecond goes by value).
    await clockPasses()
    stock.get('s-live').put({ v: 1 })
    await until(() => seen.includes(1), 4000, 'trellis sees the stock write')
    await clockPasses()
    ours.get('s-live').put({ v: 2 })
    await until(() => stockSeen.includes(2), 4000, 'stock sees the trellis write')
    await clockPasses()
    stock.get('s-live').put({ v: 3 })
    await until(() => seen.includes(3), 4000, 'trellis sees the next stock write')
  })

  it('set/map across the stock relay', async () => {
    const titles = new Set<string>()
    ours
      .get('s-list')
      .map()
      .get('title')
      .on((t: unknown) => typeof t === 'string' && titles.add(t))
    // No wait: an item set before our GET reaches the relay comes back in its reply, one set after as a push.
    stock.get('s-list').set({ title: 'one' })
    ours.get('s-list').set({ title: 'two' })
    await until(() => titles.has('one') && titles.has('two'), 5000, 'both items listed')
  })
})
