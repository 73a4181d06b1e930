import { describe, expect, it } from 'vitest'
import Gun from '../../src/gun.js'
import type { Ack } from '../../src/core/engine-types.js'
import type { Data } from '../../src/core/chain/chain.js'
import { waitUntil } from '../support/wait.js'
import { stockNodeGun } from '../server/helpers.js'

// LEX objects in get(): stock Gun (node_modules/gun) is the oracle for what a map() over them
// delivers; where Trellis answers differently on purpose, the test shows stock's answer beside ours.

const ackOf = (run: (cb: (ack: Ack) => void) => void) => new Promise<Ack>((resolve) => run(resolve))
const LIST = { a1: 'x', a2: { n: 1 }, b1: 'y', c1: 'z' }
const PREFIX = { '.': { '*': 'a' } }
const RANGE = { '.': { '>': 'a2', '<': 'b1' } }
const EXACT = { '.': 'b1' }

type Chainish = {
  get(key: unknown): Chainish
  put(data: unknown, cb: () => void): unknown
  map(): Chainish
  once(cb: (data: unknown, key: string) => void): unknown
  on(cb: (data: unknown, key: string) => void): unknown
}
const keysOf = (data: unknown) => Object.keys(data as object).filter((key) => key !== '_')

/** What `get(list).get(lex).map().once(cb)` hears, as `key=value` sorted, once `expected` items came. */
async function mapOnce(gun: Chainish, lex: unknown, expected: number): Promise<string[]> {
  const heard: string[] = []
  gun
    .get('list')
    .get(lex)
    .map()
    .once((data, key) => heard.push(`${key}=${JSON.stringify(data !== null && typeof data === 'object' ? { ...data, _: undefined } : data)}`))
  await waitUntil(() => heard.length >= expected, `${expected} items of ${JSON.stringify(lex)}`)
  return heard.sort()
}

describe("get({'.': …}): LEX over a node's keys", () => {
  it('map() over a prefix, a range and an exact key lists the keys in range; stock lists one key unless given a budget', async () => {
    // One stock instance per query: stock's LEX chains on one node interfere with each other.
    const stockMapOnce = async (lex: unknown, expected: number) => {
      const stock = stockNodeGun([]) as unknown as Chainish
      await new Promise<void>((resolve) => stock.get('list').put(LIST, () => resolve()))
      return mapOnce(stock, lex, expected)
    }
    // Stock without '%' answers a page of one key (its RAD page limit collapses to 1, reference §4.3)...
    expect(await stockMapOnce(PREFIX, 1)).toEqual(['a1="x"'])
    expect(await stockMapOnce(RANGE, 1)).toEqual(['a2={"n":1}'])
    // ...and with a budget, every key in range, links followed.
    expect(await stockMapOnce({ ...PREFIX, '%': 100_000 }, 2)).toEqual(['a1="x"', 'a2={"n":1}'])
    expect(await stockMapOnce(EXACT, 1)).toEqual(['b1="y"'])

    const gun = Gun() as unknown as Chainish
    await ackOf((cb) => (gun as unknown as ReturnType<typeof Gun>).get('list').put(LIST, cb))
    expect(await mapOnce(gun, PREFIX, 2)).toEqual(['a1="x"', 'a2={"n":1}'])
    expect(await mapOnce(gun, { ...PREFIX, '%': 100_000 }, 2)).toEqual(['a1="x"', 'a2={"n":1}'])
    expect(await mapOnce(gun, RANGE, 2)).toEqual(['a2={"n":1}', 'b1="y"'])
    expect(await mapOnce(gun, EXACT, 1)).toEqual(['b1="y"'])
    expect(await mapOnce(gun, { '.': { '=': 'a1' } }, 1)).toEqual(['a1="x"'])
    // Nothing else arrives: a read of the same ranges lists the same keys.
    expect(keysOf(await (gun as unknown as ReturnType<typeof Gun>).get('list').get(RANGE).map())).toEqual(['a2', 'b1'])
  })

  it('map().on() hears items added later inside the range, as stock does, and none outside it', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('list').put(LIST, cb))
    const heard: string[] = []
    gun
      .get('list')
      .get(PREFIX)
      .map()
      .on((data, key) => heard.push(`${key}=${typeof data === 'object' ? 'node' : data}`))
    await waitUntil(() => heard.length === 2, 'the two items there')
    await ackOf((cb) => gun.get('list').put({ b2: 'outside', a3: 'inside' }, cb))
    await waitUntil(() => heard.includes('a3=inside'), 'the item added later')
    // The barrier: a later in-range write arrives after the out-of-range one would have.
    await ackOf((cb) => gun.get('list').put({ a4: 'last' }, cb))
    await waitUntil(() => heard.includes('a4=last'), 'the last item')
    expect(heard.sort()).toEqual(['a1=x', 'a2=node', 'a3=inside', 'a4=last'])
  })

  it('once() and await read the node cut to the keys in range (stock hands over the whole node)', async () => {
    const stock = stockNodeGun([]) as unknown as Chainish
    await new Promise<void>((resolve) => stock.get('list').put(LIST, () => resolve()))
    const stockOnce = await new Promise<[unknown, string]>((resolve) =>
      stock
        .get('list')
        .get(PREFIX)
        .once((data, key) => resolve([data, key])),
    )
    expect([keysOf(stockOnce[0]), stockOnce[1]]).toEqual([['a1', 'a2', 'b1', 'c1'], 'list'])

    const gun = Gun()
    await ackOf((cb) => gun.get('list').put(LIST, cb))
    const once = await new Promise<[Data, string]>((resolve) =>
      gun
        .get('list')
        .get(PREFIX)
        .once((data, key) => resolve([data, key])),
    )
    expect([keysOf(once[0]), once[1]]).toEqual([['a1', 'a2'], 'list'])
    const read = (await gun.get('list').get(RANGE)) as Record<string, unknown>
    expect(read).toMatchObject({ a2: { '#': 'list/a2' }, b1: 'y' })
    expect(keysOf(read)).toEqual(['a2', 'b1'])
    // The metadata names the node and carries the states of the keys returned, only.
    expect(Object.keys((read._ as { '>': object })['>'])).toEqual(['a2', 'b1'])
    expect(await gun.get('list').get(PREFIX).get('a2').get('n')).toBe(1)
    expect(await gun.get('list').get(PREFIX).get('b1')).toBeUndefined()
    expect(await gun.get('missing').get(PREFIX)).toBeUndefined()
  })

  it("'-' reverses the order of a read and '%' bounds its size (at least one key)", async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('page').put({ k1: 'one', k2: 'two', k3: 'three', k4: 'four', x: 'other' }, cb))
    expect(keysOf(await gun.get('page').get({ '.': { '*': 'k' }, '-': 1 }))).toEqual(['k4', 'k3', 'k2', 'k1'])
    expect(keysOf(await gun.get('page').get({ '.': { '*': 'k' }, '%': 1 }))).toEqual(['k1'])
    // About 30 JSON characters a key, 32 for the node: 100 holds two keys.
    expect(keysOf(await gun.get('page').get({ '.': { '*': 'k' }, '-': 1, '%': 100 }))).toEqual(['k4', 'k3'])
    expect(
      keysOf(
        await gun
          .get('page')
          .get({ '.': { '*': 'k' }, '%': 100 })
          .map(),
      ),
    ).toEqual(['k1', 'k2'])
    // once().map() goes over the page read.
    const items: string[] = []
    gun
      .get('page')
      .get({ '.': { '*': 'k' }, '-': 1, '%': 100 })
      .once()
      .map()
      .once((_data, key) => items.push(key))
    await waitUntil(() => items.length === 2, 'the page of two items')
    expect(items.sort()).toEqual(['k3', 'k4'])
  })

  it('on() fires for a change inside the range with the cut node, not for one outside it (stock fires for both)', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('list').put(LIST, cb))
    const heard: string[][] = []
    gun
      .get('list')
      .get(PREFIX)
      .on((data) => heard.push(keysOf(data)))
    await waitUntil(() => heard.length === 1, 'the first delivery')
    await ackOf((cb) => gun.get('list').put({ c2: 'outside' }, cb))
    await ackOf((cb) => gun.get('list').put({ a3: 'inside' }, cb))
    await waitUntil(() => heard.length === 2, 'the change inside the range')
    expect(heard).toEqual([
      ['a1', 'a2'],
      ['a1', 'a2', 'a3'],
    ])
  })

  it("map(lex) is get(lex).map(); {'#': soul} names a soul as stock does", async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('list').put(LIST, cb))
    expect(keysOf(await gun.get('list').map({ '*': 'a' }))).toEqual(['a1', 'a2'])
    expect(keysOf(await gun.get('list').map(PREFIX))).toEqual(['a1', 'a2'])
    expect(await gun.get({ '#': 'list' }).get('a1')).toBe('x')
    expect(await gun.get({ '#': { '=': 'list' } }).get('b1')).toBe('y')
  })

  it('refuses what it cannot read, naming the place, and a write through a LEX chain', async () => {
    const gun = Gun()
    expect(() => gun.get({ '.': { '*': 'a' } })).toThrow(/root holds souls/)
    expect(() => gun.get({ '#': { '*': 'user/' } })).toThrow(/range over souls/)
    expect(() => gun.get('list').get({ '.': { '*': 5 } })).toThrow(/Invalid LEX .* at list: conditions are strings/)
    expect(() => gun.get('list').get({ '.': { '*': 'a' }, '%': -1 })).toThrow(/'%' must be a positive number/)
    expect(() => gun.get('list').get({ nothing: 1 })).toThrow(/expected/)
    expect(() => gun.get('list').get([] as unknown as Record<string, unknown>)).toThrow(/Invalid key: array at list/)
    const ack = await ackOf((cb) => gun.get('list').get(PREFIX).put({ a9: 1 }, cb))
    expect(ack.err).toMatch(/Cannot write through a LEX query .* at list\.\{/)
    expect(await gun.get('list')).toBeUndefined()
  })
})

describe('LEX and load() through a relay', () => {
  it('a fresh client reads a key range and loads a tree it never held, through a Trellis relay and through a stock relay', async () => {
    const NodeGun = (await import('../../src/gun.node.js')).default
    const { createRelay } = await import('../../src/server/index.js')
    const { stockRelay } = await import('../server/helpers.js')
    const ours = await createRelay({ port: 0, admin: false })
    const stock = await stockRelay()
    try {
      for (const url of [ours.url, stock.url]) {
        const writer = NodeGun({ peers: [url], radisk: false })
        const reader = NodeGun({ peers: [url], radisk: false })
        try {
          expect(await ackOf((cb) => writer.get('list').put(LIST, cb))).toMatchObject({ ok: true })
          expect(keysOf(await reader.get('list').get(PREFIX))).toEqual(['a1', 'a2'])
          const tree = await new Promise<unknown>((resolve) =>
            reader
              .get('list')
              .get(RANGE)
              .load((t) => resolve(t)),
          )
          expect(tree).toEqual({ a2: { n: 1 }, b1: 'y' })
        } finally {
          await writer.close()
          await reader.close()
        }
      }
    } finally {
      await ours.close()
      await stock.close()
    }
  })
})
