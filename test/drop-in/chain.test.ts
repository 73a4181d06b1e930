import { describe, expect, it } from 'vitest'
import Gun from '../../src/gun.js'
import NodeGun from '../../src/gun.node.js'
import type { Ack } from '../../src/core/engine-types.js'
import type { Data } from '../../src/core/chain/chain.js'
import { waitUntil } from '../support/wait.js'
import { freePort } from '../server/processes.js'

const ackOf = (run: (cb: (ack: Ack) => void) => void) => new Promise<Ack>((resolve) => run(resolve))
const strip = (data: Data) => {
  if (data === null || typeof data !== 'object' || '#' in data) return data
  const { _, ...rest } = data as Record<string, unknown>
  return rest
}

describe('chain API (reference §3 B)', () => {
  it('B11: a nested put creates linked nodes with path souls', async () => {
    const gun = Gun()
    const ack = await ackOf((cb) =>
      gun
        .get('z')
        .get('y')
        .get('x')
        .put({ c: { b: { a: 1 } } }, cb),
    )
    expect(ack).toEqual({ ok: true })
    const engine = gun.root.engine
    expect(engine.peek('z')?.get('y')).toEqual({ '#': 'z/y' })
    expect(engine.peek('z/y')?.get('x')).toEqual({ '#': 'z/y/x' })
    expect(engine.peek('z/y/x')?.get('c')).toEqual({ '#': 'z/y/x/c' })
    expect(engine.peek('z/y/x/c')?.get('b')).toEqual({ '#': 'z/y/x/c/b' })
    expect(engine.peek('z/y/x/c/b')?.get('a')).toBe(1)
    expect(await gun.get('z').get('y').get('x').get('c').get('b').get('a')).toBe(1)
  })

  it('B11: one put stamps every key it writes, nested nodes included, with one state', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('p').put({ a: 1, n: { b: 2 } }, cb))
    const engine = gun.root.engine
    const states = [engine.peek('p')!.stateOf('a'), engine.peek('p')!.stateOf('n'), engine.peek('p/n')!.stateOf('b')]
    expect(new Set(states).size).toBe(1)
  })

  it('B12: an existing link is reused', async () => {
    const gun = Gun()
    const a = gun.get('sabnb')
    await ackOf((cb) => a.get('profile').put({ _: { '#': 'sabnbprofile' }, name: 'Plum' }, cb))
    await ackOf((cb) => a.get('profile').get('said').get('asdf').put('yes', cb))
    expect(gun.root.engine.peek('sabnb')?.get('profile')).toEqual({ '#': 'sabnbprofile' })
    expect(await a.get('profile').get('said').get('asdf')).toBe('yes')
    expect(gun.root.engine.peek('sabnbprofile')?.get('said')).toEqual({ '#': 'sabnbprofile/said' })
  })

  it('B13: putting a chain links to it, and on() sees the linked node', async () => {
    const gun = Gun()
    const child = gun.get('child').put({ name: 'kid' })
    gun.get('parent').get('sub').put(child)
    const seen = await new Promise<Data>((resolve) => gun.get('parent').get('sub').on(resolve))
    expect(gun.root.engine.peek('parent')?.get('sub')).toEqual({ '#': 'child' })
    expect(strip(seen)).toEqual({ name: 'kid' })
  })

  it('B14: once() fires with undefined for a missing soul, a missing key path and a link to nothing', async () => {
    const gun = Gun()
    gun.get('dangling').put({ to: { '#': 'nowhere' } })
    const once = (chain: ReturnType<typeof gun.get>) => new Promise<Data>((resolve) => chain.once(resolve))
    expect(await once(gun.get('missing'))).toBeUndefined()
    expect(await once(gun.get('missing').get('a').get('b'))).toBeUndefined()
    expect(await once(gun.get('dangling').get('to'))).toBeUndefined()
    expect(await gun.get('missing')).toBeUndefined()
  })

  it('B15: once after an update sees the new value', async () => {
    const gun = Gun()
    const key = gun.get('once-put').get('v')
    key.put('yay!')
    expect(await new Promise((resolve) => key.once(resolve))).toBe('yay!')
    key.put('z')
    expect(await new Promise((resolve) => key.once(resolve))).toBe('z')
  })

  it('B16: set() of a chain and of objects, then map().on yields every item', async () => {
    const gun = Gun()
    const list = gun.get('list')
    list.set(gun.get('alice-s').put({ name: 'Alice' }))
    const bob = list.set({ name: 'Bob' })
    const seen = new Map<string, unknown>()
    list.map().on((data, key) => seen.set(key, strip(data)))
    await waitUntil(() => seen.size === 2, 'both items')
    expect(seen.get('alice-s')).toEqual({ name: 'Alice' })
    const bobSoul = (bob.step as { soul: string }).soul
    expect(bobSoul).toMatch(/^[0-9a-z]+[0-9A-XZa-z]{12}$/)
    expect(seen.get(bobSoul)).toEqual({ name: 'Bob' })
    expect(gun.root.engine.peek('list')?.get(bobSoul)).toEqual({ '#': bobSoul })
    // Items added later are seen too.
    list.set({ name: 'Carol' })
    await waitUntil(() => seen.size === 3, 'the item added later')
    expect([...seen.values()].map((v) => (v as { name: string }).name).sort()).toEqual(['Alice', 'Bob', 'Carol'])
  })

  it('B16: set() links the item at once, without waiting for a peer to ack it (offline first)', async () => {
    // A peer that cannot be reached (nothing listens on port 1): no ack will come for a long time.
    const gun = NodeGun({ peers: ['http://127.0.0.1:1/gun'], radisk: false })
    try {
      const list = gun.get('offline-list')
      const seen: string[] = []
      list
        .map()
        .get('name')
        .on((name) => typeof name === 'string' && seen.push(name))
      const dan = list.set({ name: 'Dan' })
      await waitUntil(() => seen.length === 1, 'the item, before any ack')
      const danSoul = (dan.step as { soul: string }).soul
      expect(gun.root.engine.peek('offline-list')?.get(danSoul)).toEqual({ '#': danSoul })
      expect(seen).toEqual(['Dan'])
    } finally {
      await gun.close()
    }
  })

  it('B16: set() of a primitive stores it under a random key', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('tags').set('red', cb))
    const node = gun.root.engine.peek('tags')!
    expect(node.values).toEqual(['red'])
    expect(node.keys[0]).toMatch(/^[0-9a-z]+[0-9A-XZa-z]{7}$/)
  })

  it('B17: callbacks get copies: mutating them does not change the graph', async () => {
    const gun = Gun()
    gun.get('safe').put({ a: 1, link: { b: 2 } })
    await new Promise<void>((resolve) =>
      gun.get('safe').once((data) => {
        const d = data as Record<string, unknown>
        d.a = 99
        ;(d.link as Record<string, string>)['#'] = 'elsewhere'
        ;(d._ as { '>': Record<string, number> })['>'].a = 0
        resolve()
      }),
    )
    expect(strip(await gun.get('safe'))).toEqual({ a: 1, link: { '#': 'safe/link' } })
    expect(gun.root.engine.peek('safe')?.stateOf('a')).toBeGreaterThan(0)
  })

  it('B18: a bad put reports the path, writes nothing and does not poison later reads', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('a').put({ a: 1 }, cb))
    const ack = await ackOf((cb) => gun.get('a').get('b').get('c').put([], cb))
    expect(ack.err).toBe('Invalid data: Array at a.b.c')
    expect(strip(await gun.get('a'))).toEqual({ a: 1 })
    expect(gun.root.engine.peek('a/b')).toBeUndefined()
  })

  it.each([
    [{ d: { date: new Date(0) } }, 'Invalid data: Date at x.d.date'],
    [{ n2: { nan: Number.NaN } }, 'Invalid data: number at x.n2.nan'],
    [{ inf: Number.POSITIVE_INFINITY }, 'Invalid data: number at x.inf'],
    [{ u: undefined }, 'Invalid data: undefined at x.u'],
    [{ f: () => 1 }, 'Invalid data: function at x.f'],
    [{ m: new Map() }, 'Invalid data: Map at x.m'],
    [{ ok: 1, deep: { list: [1, 2] } }, 'Invalid data: Array at x.deep.list'],
  ])('B18: refuses %o atomically with the path in the error', async (data, text) => {
    const gun = Gun()
    const ack = await ackOf((cb) => gun.get('x').put(data, cb))
    expect(ack.err).toBe(text)
    expect(gun.root.engine.peek('x')).toBeUndefined()
    expect(gun.root.engine.size).toBe(0)
  })

  it('B19: a primitive put at the root of the graph is an error', async () => {
    const gun = Gun()
    expect(await ackOf((cb) => gun.get('prim').put('x', cb))).toEqual({ err: 'Data at root of graph must be a node (an object).', code: 'ROOT_NOT_NODE' })
  })

  it('B20: a circular object stores the self key as a link to its own soul', async () => {
    const gun = Gun()
    const data: Record<string, unknown> = { name: 'loop' }
    data.self = data
    data.child = { back: data }
    await ackOf((cb) => gun.get('circ').put(data, cb))
    expect(gun.root.engine.peek('circ')?.get('self')).toEqual({ '#': 'circ' })
    expect(gun.root.engine.peek('circ/child')?.get('back')).toEqual({ '#': 'circ' })
  })

  it('B21: map().get(name).on streams each child’s name only', async () => {
    const gun = Gun()
    const people = gun.get('people')
    people.set({ name: 'Ann', age: 30 })
    people.set({ name: 'Bo', age: 40 })
    const names: unknown[] = []
    people
      .map()
      .get('name')
      .on((name) => names.push(name))
    await waitUntil(() => names.length === 2, 'both names')
    expect(names.sort()).toEqual(['Ann', 'Bo'])
  })

  it('B10: null deletes; readers get null and map() still yields the key', async () => {
    const gun = Gun()
    gun.get('d').put({ keep: 1, gone: 'x' })
    gun.get('d').get('gone').put(null)
    expect(await gun.get('d').get('gone')).toBeNull()
    const seen: [unknown, string][] = []
    gun
      .get('d')
      .map()
      .once((v, k) => seen.push([v, k]))
    await waitUntil(() => seen.length === 2, 'both keys')
    expect(seen.sort()).toEqual([
      [null, 'gone'],
      [1, 'keep'],
    ])
  })

  it('on() fires for each change and off() stops it; event.off() stops one listener', async () => {
    const gun = Gun()
    const chain = gun.get('live').get('n')
    const seen: unknown[] = []
    chain.on((v) => seen.push(v))
    let once = 0
    gun
      .get('live')
      .get('n')
      .on((_v, _k, _m, ev) => {
        once++
        ev.off()
      })
    for (const n of [1, 2, 3]) {
      chain.put(n)
      await waitUntil(() => seen.length === n, `update ${n}`)
    }
    chain.off()
    chain.put(4)
    // A listener registered after the others hears 4 after them: by then a live one would have too.
    await heard(gun.get('live').get('n'), 4)
    expect(seen).toEqual([1, 2, 3])
    expect(once).toBe(1)
  })

  it('on() of a key re-follows its link when the link changes', async () => {
    const gun = Gun()
    gun.get('n1').put({ v: 'one' })
    gun.get('n2').put({ v: 'two' })
    gun.get('ptr').get('at').put(gun.get('n1'))
    const seen: unknown[] = []
    gun
      .get('ptr')
      .get('at')
      .get('v')
      .on((v) => seen.push(v))
    await waitUntil(() => seen.includes('one'), 'the first target')
    gun.get('ptr').get('at').put(gun.get('n2'))
    await waitUntil(() => seen.includes('two'), 'the new target')
    gun.get('n1').put({ v: 'stale' })
    await heard(gun.get('n1').get('v'), 'stale')
    expect(seen).toEqual(['one', 'two'])
  })

  it('a value put on a key of a soul (built on the spot) is stored as any put, and refused with the same errors', async () => {
    const gun = Gun()
    const put = (value: unknown) =>
      new Promise<Ack>((resolve) =>
        gun
          .get('spot')
          .get('k')
          .put(value as never, resolve),
      )
    for (const value of ['text', 0, -1.5, true, false, null]) {
      expect((await put(value)).err).toBeUndefined()
      expect(await gun.get('spot').get('k')).toBe(value)
    }
    const errors = await Promise.all([put(undefined), put(() => 1), put(Number.NaN), put('x'.repeat(gun.root.limits.maxValueChars + 1))])
    expect(errors.map((ack) => typeof ack.err)).toEqual(['string', 'string', 'string', 'string'])
    for (const ack of errors.slice(1)) expect(String(ack.err)).toContain('spot.k')
    expect(await gun.get('spot').get('k')).toBe(null)
  })

  it('a value put on a key of a soul too long is refused as a put of an object there is (the soul is checked on the spot too)', async () => {
    const gun = Gun()
    const soul = 's'.repeat(gun.root.limits.maxSoulChars + 1)
    const onKey = await new Promise<Ack>((resolve) => gun.get(soul).get('k').put(1, resolve))
    const onSoul = await new Promise<Ack>((resolve) => gun.get(soul).put({ k: 1 }, resolve))
    expect(onKey).toMatchObject({ code: 'INVALID_SOUL' })
    expect(onKey).toEqual(onSoul)
    expect(gun.root.engine.peek(soul)).toBeUndefined()
  })

  it('back() walks up the chain; back(-1) is the root', () => {
    const gun = Gun()
    const c = gun.get('a').get('b').get('c')
    expect(c.back().step).toEqual({ kind: 'key', key: 'b' })
    expect(c.back(2).step).toEqual({ kind: 'soul', soul: 'a' })
    expect(c.back(-1)).toBe(gun)
  })

  it('Gun is callable with or without new, with a URL list, and refuses an empty key', () => {
    expect(() => Gun().get('')).toThrow(/empty key/)
    const viaNew = new Gun()
    expect(viaNew.get('x').get(1).step).toEqual({ kind: 'key', key: '1' })
  })

  it('#1294 fixed: a put containing an empty object completes and stores the empty node', async () => {
    const gun = Gun()
    expect(await ackOf((cb) => gun.get('e').put({ a: 1, e: {} }, cb))).toEqual({ ok: true })
    expect(await gun.get('e').get('a')).toBe(1)
    expect(strip(await gun.get('e').get('e'))).toEqual({})
  })

  it('an explicit _["#"] redirects the write to that soul, as in Gun', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('s1').put({ _: { '#': 'x' }, n: 1 }, cb))
    expect(gun.root.engine.peek('s1')).toBeUndefined()
    expect(await gun.get('x').get('n')).toBe(1)
  })

  it('hostile souls and keys are ordinary strings through the chain', async () => {
    const gun = Gun()
    const data = JSON.parse('{"__proto__":{"polluted":true},"constructor":"c","toString":"t","hasOwnProperty":1}')
    for (const soul of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'big']) {
      expect(await ackOf((cb) => gun.get(soul).put(data, cb))).toEqual({ ok: true })
      const back = (await gun.get(soul)) as Record<string, unknown>
      expect(Object.getOwnPropertyDescriptor(back, 'constructor')?.value).toBe('c')
      expect(await gun.get(soul).get('__proto__').get('polluted')).toBe(true)
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a write and the read issued right after it agree (reads wait for earlier writes)', async () => {
    const gun = Gun()
    gun.get('mark').put({ boss: { name: 'Fluffy' } })
    expect(await gun.get('mark').get('boss').get('name')).toBe('Fluffy')
  })

  it('read() says whether the read is synced; synced() waits for every ack', async () => {
    const gun = Gun()
    gun.get('r').put({ a: 1 })
    expect(await gun.get('r').get('a').read()).toEqual({ data: 1, synced: true })
    await gun.synced()
    expect(gun.pending).toBe(0)
  })

  it('await map() reads every item', async () => {
    const gun = Gun()
    gun.get('m').put({ a: 1, b: { c: 2 } })
    const all = (await gun.get('m').map()) as Record<string, unknown>
    expect(all.a).toBe(1)
    expect(strip(all.b as Data)).toEqual({ c: 2 })
  })
})

describe('map().once: the list pattern', () => {
  it('fires once per item, for the items there and for items added after the call, until off()', async () => {
    const gun = Gun()
    const list = gun.get('chat')
    list.set({ text: 'first' })
    const seen: string[] = []
    const items = list.map()
    items.once((message) => seen.push((message as { text: string }).text))
    await waitUntil(() => seen.length === 1, 'the existing item')
    list.set({ text: 'second' })
    const third = list.set({ text: 'third' })
    await waitUntil(() => seen.length === 3, 'the items added later')
    // An update to an item already delivered is not delivered again.
    third.put({ text: 'third, edited' })
    list.set({ text: 'fourth' })
    await waitUntil(() => seen.length === 4, 'one more item')
    expect(seen).toEqual(['first', 'second', 'third', 'fourth'])
    items.off()
    list.set({ text: 'after off' })
    await gun.synced()
    expect(seen).toHaveLength(4)
  })
})

describe('once() without a callback: a snapshot', () => {
  it('once().map() goes over the items there when read, each still live, and not over items added later', async () => {
    const gun = Gun()
    const list = gun.get('people')
    list.set(gun.get('ann').put({ name: 'ann', age: 27 }))
    list.set(gun.get('bob').put({ name: 'bob', age: 27 }))
    await gun.synced()
    const seen = new Map<string, number>()
    list
      .once()
      .map()
      .on((person) => {
        const { name, age } = person as { name: string; age: number }
        seen.set(name, age)
      })
    await waitUntil(() => seen.size === 2, 'the two items read')
    list.set(gun.get('eve').put({ name: 'eve', age: 30 }))
    gun.get('bob').get('age').put(28)
    // Eve was added before Bob's update was written, and listeners hear writes in order: once Bob's update is heard, Eve would have been.
    await waitUntil(() => seen.get('bob') === 28, "bob's update")
    expect([...seen.keys()].sort()).toEqual(['ann', 'bob'])
  })
})

describe('Gun drop-in forms', () => {
  it('get(key, cb) hears "not found" then the data; get(cb) listens on the chain itself', async () => {
    const gun = Gun()
    const heard: unknown[] = []
    gun.get('late', (msg) => heard.push(msg.put === undefined ? 'nothing' : (msg.put as { v: number }).v))
    await waitUntil(() => heard.length === 1, 'not found')
    gun.get('late').put({ v: 1 })
    await waitUntil(() => heard.length === 2, 'the data')
    expect(heard).toEqual(['nothing', 1])
    const keys: string[] = []
    gun.get('late').get((msg, event) => {
      keys.push(msg.get)
      event.off()
    })
    await waitUntil(() => keys.length === 1, 'get(cb)')
    expect(keys).toEqual(['late'])
  })

  it('map(fn) transforms and filters what listeners hear and reads return', async () => {
    const gun = Gun()
    gun.get('scores').put({ ann: 7, bob: 3, cy: 9 })
    const high = gun.get('scores').map((score) => ((score as number) > 5 ? (score as number) * 10 : undefined))
    const seen: Record<string, unknown> = {}
    high.on((value, key) => {
      seen[key] = value
    })
    await waitUntil(() => Object.keys(seen).length === 2, 'the high scores')
    expect(seen).toEqual({ ann: 70, cy: 90 })
    expect(await high).toEqual({ ann: 70, cy: 90 })
  })

  it('not(cb) fires only when nothing is there; unset(item) takes an item out of a list; promise() reads', async () => {
    const gun = Gun()
    const missing: string[] = []
    gun.get('nobody').not((key) => {
      missing.push(key)
    })
    gun.get('somebody').put({ here: true })
    gun.get('somebody').not(() => missing.push('wrong'))
    await waitUntil(() => missing.length >= 1, 'not()')
    await gun.synced()
    expect(missing).toEqual(['nobody'])

    const list = gun.get('list')
    const item = list.set({ name: 'x' })
    list.set({ name: 'y' })
    await gun.synced()
    await new Promise((resolve) => list.unset(item, resolve))
    const names = Object.values((await list.map()) as Record<string, { name: string } | null>)
      .filter((v) => v !== null)
      .map((v) => v.name)
    expect(names).toEqual(['y'])
    const got = await gun.get('somebody').promise()
    expect(got.get).toBe('somebody')
    expect(got.put).toMatchObject({ here: true })
  })

  it("path() takes Gun's dotted and list forms as well as slashes", async () => {
    const gun = Gun()
    gun.get('a').put({ b: { c: 'deep' } })
    expect(await gun.path('a.b.c')).toBe('deep')
    expect(await gun.path(['a', 'b', 'c'])).toBe('deep')
    expect(await gun.path('a/b/c')).toBe('deep')
  })

  it('Gun.chain takes plugins; Gun.state, Gun.valid and Gun.is answer as stock', async () => {
    ;(Gun.chain as unknown as Record<string, unknown>).shout = function (this: ReturnType<typeof Gun>) {
      return 'plugin on a chain'
    }
    const gun = Gun()
    expect((gun.get('x') as unknown as { shout(): string }).shout()).toBe('plugin on a chain')
    delete (Gun.chain as unknown as Record<string, unknown>).shout
    const s1 = Gun.state()
    expect(Gun.state()).toBeGreaterThan(s1)
    expect([
      Gun.valid('a'),
      Gun.valid(1),
      Gun.valid(null),
      Gun.valid({ '#': 'soul' }),
      Gun.valid({ a: 1 }),
      Gun.valid(Number.NaN),
      Gun.valid(undefined),
    ]).toEqual([true, true, true, 'soul', false, false, false])
    expect([Gun.is(gun), Gun.is(gun.get('x')), Gun.is({})]).toEqual([true, true, false])
  })
})

describe('errors a user sees', () => {
  it('a write with no relay listening says so, after the ack timeout', async () => {
    const port = await freePort() // bound, then released: nothing listens there
    const gun = NodeGun({ peers: [`http://127.0.0.1:${port}/gun`], radisk: false, ackTimeout: 300 })
    const ack = await new Promise<Ack>((resolve) => gun.get('x').put({ a: 1 }, resolve))
    expect(ack.lack).toBe(true)
    expect(ack.err).toBe('Error: No ACK yet. No peer is connected: is a relay running at the address in `peers`?')
    await gun.close()
  })
})

describe('put of a link where a node belongs', () => {
  it('is refused as stock refuses it: a link is not a node', async () => {
    const gun = Gun()
    for (const chain of [gun, gun.get('soul')]) {
      const ack = await new Promise<Ack>((resolve) => chain.put({ '#': 'x' }, resolve))
      expect(ack.err).toBe('Data at root of graph must be a node (an object).')
    }
    expect(gun.root.engine.size).toBe(0)
  })

  it('on a key it is a link, as stock stores it (stock 0.2020.1241: root and soul puts refused, key put linked)', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('x').put({ name: 'target' }, cb))
    expect(await ackOf((cb) => gun.get('b').get('k').put({ '#': 'x' }, cb))).toEqual({ ok: true })
    expect(gun.root.engine.peek('b')?.get('k')).toEqual({ '#': 'x' })
    expect(strip(await gun.get('b').get('k'))).toEqual({ name: 'target' })
  })
})

describe('opt({ peers }): connecting while running', () => {
  it('dials a peer added later, once, and writes reach it', async () => {
    const { createRelay } = await import('../../src/server/index.js')
    const relay = await createRelay({ port: 0, admin: false })
    const gun = NodeGun({ radisk: false })
    const reader = NodeGun({ peers: [relay.url], radisk: false })
    try {
      gun.opt({ peers: [relay.url] }).opt({ peers: relay.url })
      const ack = await new Promise<Ack>((resolve) => gun.get('opt').put({ via: 'opt' }, resolve))
      expect(ack).toMatchObject({ ok: true })
      expect(await reader.get('opt').get('via')).toBe('opt')
      expect(relay.stats().clients).toBe(2)
    } finally {
      await gun.close()
      await reader.close()
      await relay.close()
    }
  })
})

/** Resolves once a listener registered now on `chain` hears `value` (then stops listening). */
function heard(chain: ReturnType<ReturnType<typeof Gun>['get']>, value: unknown): Promise<void> {
  return new Promise((resolve) =>
    chain.on((v, _k, _m, event) => {
      if (v !== value) return
      event.off()
      resolve()
    }),
  )
}
