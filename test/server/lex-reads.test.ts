import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { graphHash } from '../../src/mesh/hash.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { rawClient, roundTrip, stockBrowserGun, stockNodeGun, tmpDir, until, type RawClient, type StockChain, type StockGun } from './helpers.js'

const S = 1700000000000
type Msg = Record<string, unknown>
type Graph = Record<string, Record<string, unknown>>

const node = (soul: string, data: Record<string, unknown>, state = S) => ({
  [soul]: { _: { '#': soul, '>': Object.fromEntries(Object.keys(data).map((k) => [k, state])) }, ...data },
})
const pad = (n: number, width = 2) => String(n).padStart(width, '0')

let askCounter = 0
/** Send a GET and collect its whole reply set (chunks arrive in order; the last has no `%`). */
async function ask(c: RawClient, get: unknown): Promise<{ replies: Msg[]; graph: Graph; souls: string[]; chars: number }> {
  const id = `lex${++askCounter}`
  c.send({ '#': id, get })
  await c.waitFor((m) => m['@'] === id && m['%'] === undefined)
  const replies = c.heard.filter((m) => m['@'] === id)
  const graph: Graph = {}
  let chars = 0
  for (const reply of replies) {
    if (reply.put === undefined) continue
    chars += JSON.stringify(reply.put).length
    for (const [soul, wire] of Object.entries(reply.put as Graph)) graph[soul] = { ...graph[soul], ...wire, _: wire._ }
  }
  return { replies, graph, souls: Object.keys(graph).sort(), chars }
}

/** Send raw text (for numbers JSON.stringify cannot write, like 1e999) and wait for the answer to `id`. */
async function askText(c: RawClient, id: string, text: string): Promise<Msg[]> {
  c.sendText(text)
  await c.waitFor((m) => m['@'] === id && m['%'] === undefined)
  return c.heard.filter((m) => m['@'] === id)
}

/**
 * The budget is counted per node and key; each reply message adds its own
 * envelope, which with chunkKeys 4 (as here) is a noticeable share.
 */
const SLACK = 1.25

const USERS = ['user/alice', 'user/bob', 'user/carol', 'user/dave']
const BULK = Array.from({ length: 40 }, (_, i) => `bulk/${pad(i)}`)
const WIDE_KEYS = Array.from({ length: 60 }, (_, i) => `k${pad(i)}`)

describe('LEX reads against a Trellis relay (raw frames, log storage)', () => {
  const dataDir = tmpDir('trellis-lex-')
  // Small numbers so pages, chunks and caps show with little data.
  const limits = { chunkKeys: 4, lexDefaultBytes: 4000, lexMaxBytes: 20_000, maxLexSouls: 30 }
  let relay: Relay
  let c: RawClient

  beforeAll(async () => {
    relay = await createRelay({ port: 0, dataDir, limits })
    c = await rawClient(relay.url)
    const put: Graph = {}
    const names = ['Alice', 'Bob', 'Carol', 'Dave']
    USERS.forEach((soul, i) => Object.assign(put, node(soul, { name: names[i], age: 20 + i })))
    // Souls that sort next to `user/` without starting with it.
    Object.assign(put, node('user', { name: 'not a user' }), node('userz', { name: 'nor this' }), node('other/x', { name: 'X' }))
    BULK.forEach((soul) => Object.assign(put, node(soul, { text: 'x'.repeat(980) })))
    for (let i = 0; i < 50; i++) Object.assign(put, node(`many/${pad(i, 3)}`, { n: i }))
    Object.assign(put, node('wide', Object.fromEntries(WIDE_KEYS.map((k) => [k, 'v'.repeat(40)]))))
    c.send({ '#': 'seed', put })
    expect((await c.waitFor((m) => m['@'] === 'seed')).ok).toBe(true)
  })
  afterAll(async () => {
    c.close()
    await relay.close()
  })

  it('prefix: exactly the souls starting with it, whole nodes, every reply hashed, last without %', async () => {
    const { replies, graph, souls } = await ask(c, { '#': { '*': 'user/' } })
    expect(souls).toEqual(USERS)
    expect(graph['user/bob']).toEqual(node('user/bob', { name: 'Bob', age: 21 })['user/bob'])
    for (const reply of replies) expect(reply['##']).toBe(graphHash(reply.put))
    // 8 keys with chunkKeys 4: two messages, the first naming the second.
    expect(replies).toHaveLength(2)
    expect(replies[0]['%']).toBe(replies[1]['#'])
    expect(replies[1]['%']).toBeUndefined()
  })

  it('range: > and < are inclusive bounds', async () => {
    expect((await ask(c, { '#': { '>': 'user/bob', '<': 'user/carol' } })).souls).toEqual(['user/bob', 'user/carol'])
    expect((await ask(c, { '#': { '>': 'user/c', '<': 'user/zzz' } })).souls).toEqual(['user/carol', 'user/dave'])
    expect((await ask(c, { '#': { '<': 'bulk/01' } })).souls).toEqual(['bulk/00', 'bulk/01'])
  })

  it('exact: {"=": soul} reads that soul only; a missing one is not found', async () => {
    const { graph, souls } = await ask(c, { '#': { '=': 'user/carol' } })
    expect(souls).toEqual(['user/carol'])
    expect(graph['user/carol'].name).toBe('Carol')
    const missing = await ask(c, { '#': { '=': 'user/nobody' } })
    expect(missing.replies).toHaveLength(1)
    expect(missing.replies[0].put).toBeUndefined()
  })

  it('no match: one "not found" ({"@": id}, no put)', async () => {
    const { replies } = await ask(c, { '#': { '*': 'nope/' } })
    expect(replies).toHaveLength(1)
    expect(replies[0].put).toBeUndefined()
    expect(Object.keys(replies[0]).sort()).toEqual(['#', '@'])
  })

  it('reverse: "-" pages from the end, on the GET or inside the LEX', async () => {
    expect((await ask(c, { '#': { '*': 'user/' }, '-': 1, '%': 1 })).souls).toEqual(['user/dave'])
    expect((await ask(c, { '#': { '*': 'user/', '-': 1 }, '%': 1 })).souls).toEqual(['user/dave'])
    expect((await ask(c, { '#': { '*': 'user/' }, '%': 1 })).souls).toEqual(['user/alice'])
    expect((await ask(c, { '#': { '*': 'bulk/' }, '-': 1, '%': 2500 })).souls).toEqual(['bulk/38', 'bulk/39'])
  })

  it('% over souls: a small budget gives a partial, non-empty page of the first souls; a bigger one gives more', async () => {
    const small = await ask(c, { '#': { '*': 'bulk/' }, '%': 2500 })
    const big = await ask(c, { '#': { '*': 'bulk/' }, '%': 6000 })
    expect(small.souls).toEqual(['bulk/00', 'bulk/01'])
    expect(big.souls).toEqual(BULK.slice(0, 5))
    expect(big.chars).toBeLessThanOrEqual(6000 * SLACK)
    // A budget smaller than one node still gets that node, so a reader makes progress.
    expect((await ask(c, { '#': { '*': 'bulk/' }, '%': 1 })).souls).toEqual(['bulk/00'])
  })

  it('% over keys: pages of the lexically first (or, with "-", last) keys within the budget', async () => {
    const small = await ask(c, { '#': 'wide', '.': { '*': 'k' }, '%': 500 })
    const big = await ask(c, { '#': 'wide', '.': { '*': 'k' }, '%': 2000 })
    const smallKeys = Object.keys(small.graph.wide)
      .filter((k) => k !== '_')
      .sort()
    const bigKeys = Object.keys(big.graph.wide)
      .filter((k) => k !== '_')
      .sort()
    expect(smallKeys.length).toBeGreaterThan(0)
    expect(bigKeys.length).toBeGreaterThan(smallKeys.length)
    expect(bigKeys.length).toBeLessThan(WIDE_KEYS.length)
    expect(smallKeys).toEqual(WIDE_KEYS.slice(0, smallKeys.length))
    expect(bigKeys).toEqual(WIDE_KEYS.slice(0, bigKeys.length))
    expect(small.chars).toBeLessThanOrEqual(500 * SLACK)
    expect(big.chars).toBeLessThanOrEqual(2000 * SLACK)
    const reversed = await ask(c, { '#': 'wide', '.': { '*': 'k' }, '-': 1, '%': 500 })
    expect(
      Object.keys(reversed.graph.wide)
        .filter((k) => k !== '_')
        .sort(),
    ).toEqual(WIDE_KEYS.slice(-smallKeys.length))
    expect(Object.keys((await ask(c, { '#': 'wide', '.': { '*': 'k' }, '%': 1 })).graph.wide).filter((k) => k !== '_')).toEqual(['k00'])
    // Range bounds still apply under a budget.
    const ranged = await ask(c, { '#': 'wide', '.': { '>': 'k10', '<': 'k12' }, '%': 100_000 })
    expect(
      Object.keys(ranged.graph.wide)
        .filter((k) => k !== '_')
        .sort(),
    ).toEqual(['k10', 'k11', 'k12'])
  })

  it('without %: a default page (lexDefaultBytes), many keys or souls rather than one, and never all of a big range', async () => {
    const keys = await ask(c, { '#': 'wide', '.': { '*': 'k' } })
    const keyCount = Object.keys(keys.graph.wide).length - 1
    expect(keyCount).toBeGreaterThan(10)
    expect(keyCount).toBeLessThan(WIDE_KEYS.length)
    expect(keys.chars).toBeLessThanOrEqual(limits.lexDefaultBytes * SLACK)
    const souls = await ask(c, { '#': { '*': 'bulk/' } })
    expect(souls.souls).toEqual(BULK.slice(0, 3))
  })

  it('at most maxLexSouls souls per reply set, whatever the budget', async () => {
    const { souls } = await ask(c, { '#': { '*': 'many/' }, '%': 1_000_000 })
    expect(souls).toEqual(Array.from({ length: limits.maxLexSouls }, (_, i) => `many/${pad(i, 3)}`))
  })

  it('a "." beside a soul range selects inside each node', async () => {
    const { graph, souls } = await ask(c, { '#': { '*': 'user/' }, '.': 'name' })
    expect(souls).toEqual(USERS)
    expect(graph['user/dave']).toEqual(node('user/dave', { name: 'Dave' })['user/dave'])
  })

  it('hostile %: huge is capped at lexMaxBytes; negative, text, object, null, Infinity fall back to the default', async () => {
    const capped = await ask(c, { '#': { '*': 'bulk/' }, '%': 1e12 })
    expect(capped.souls.length).toBeGreaterThan(3)
    expect(capped.chars).toBeLessThanOrEqual(limits.lexMaxBytes * SLACK)
    const defaultPage = BULK.slice(0, 3)
    for (const budget of [-5, 0, '100000', { a: 1 }, null, [50_000], true]) {
      expect((await ask(c, { '#': { '*': 'bulk/' }, '%': budget })).souls, `% = ${JSON.stringify(budget)}`).toEqual(defaultPage)
    }
    const infinite = await askText(c, 'inf1', '{"#":"inf1","get":{"#":{"*":"bulk/"},"%":1e999}}')
    expect(Object.keys(infinite[0].put as Graph).sort()).toEqual(defaultPage)
    const keyRange = await ask(c, { '#': 'wide', '.': { '*': 'k' }, '%': -1 })
    expect(keyRange.chars).toBeLessThanOrEqual(limits.lexDefaultBytes * SLACK)
  })

  it('hostile LEX: nested garbage, wrong types and over-long texts are answered "not found"; the relay keeps serving', async () => {
    const garbage: unknown[] = [
      { '#': { '*': { '*': 'user/' } } },
      { '#': { '*': ['user/'] } },
      { '#': { '>': 5 } },
      { '#': { '<': null } },
      { '#': {} },
      { '#': { x: 'user/' } },
      { '#': { '=': { '=': 'user/bob' } } },
      { '#': { '=': '' } },
      { '#': { '*': 'user/', '>': { '>': 'a' } } },
      { '#': { '*': 'u'.repeat(5000) } },
      { '#': { '*': 'user/' }, '.': { '*': 7 } },
      { '#': { '*': 'user/' }, '.': { '=': ['name'] } },
      { '#': 'wide', '.': { '*': { '*': 'k' } } },
      { '#': [] },
      { '#': 5 },
      { '#': null },
      { '.': 'name' },
      {},
    ]
    const answers = await Promise.all(garbage.map((get) => ask(c, get)))
    answers.forEach((answer, i) => {
      expect(answer.replies, JSON.stringify(garbage[i])).toHaveLength(1)
      expect(answer.replies[0].put, JSON.stringify(garbage[i])).toBeUndefined()
    })
    // `__proto__` as a LEX member is an ordinary (unknown) field, not a prototype.
    const proto = await askText(c, 'proto1', '{"#":"proto1","get":{"#":{"__proto__":{"*":"user/"}}}}')
    expect(proto[0].put).toBeUndefined()
    // A batch of LEX reads in one frame: each answered.
    c.sendText(JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ '#': `burst${i}`, get: { '#': { '*': 'many/' }, '%': 1e9 } }))))
    await until(
      () => Array.from({ length: 50 }, (_, i) => `burst${i}`).every((id) => c.heard.some((m) => m['@'] === id && m['%'] === undefined)),
      10_000,
      'every burst read answered',
    )
    expect((await ask(c, { '#': { '*': 'user/' } })).souls).toEqual(USERS)
    expect(c.ws.readyState).toBe(c.ws.OPEN)
  })

  it('stock chain form {"get": {"*": prefix}} (the `#` level dropped by gun.get({"#": …})) is read as the same LEX', async () => {
    expect((await ask(c, { '*': 'user/' })).souls).toEqual(USERS)
    expect((await ask(c, { '>': 'user/bob', '<': 'user/carol' })).souls).toEqual(['user/bob', 'user/carol'])
  })

  it('after a restart: souls only in storage (nothing in memory) are listed and read', async () => {
    c.close()
    await relay.close()
    relay = await createRelay({ port: 0, dataDir, limits })
    c = await rawClient(relay.url)
    expect(relay.engine.peek('user/alice')).toBeUndefined()
    const { graph, souls } = await ask(c, { '#': { '*': 'user/' } })
    expect(souls).toEqual(USERS)
    expect(graph['user/alice'].name).toBe('Alice')
    // And a soul written now joins the listing at once.
    c.send({ '#': 'eve', put: node('user/eve', { name: 'Eve' }) })
    await c.waitFor((m) => m['@'] === 'eve')
    expect((await ask(c, { '#': { '*': 'user/' }, '-': 1, '%': 1 })).souls).toEqual(['user/eve'])
  })
})

describe('stock Gun clients reading souls by LEX from a Trellis relay', () => {
  let relay: Relay
  let seeder: RawClient
  type OutListener = (this: { to: { next(msg: unknown): void } }, msg: Msg) => void
  /** The stock root as these tests use it: `on('out', msg)` sends a raw message, `on('out', fn)` watches them; `_.graph` is its memory. */
  type StockRoot = StockGun & {
    on(event: 'out', what: Msg | OutListener): void
    _: { graph: Graph }
  }
  /** Everything the stock client hands to its mesh (evidence of what it puts on the wire). */
  const watchOut = (gun: StockRoot) => {
    const gets: unknown[] = []
    gun.on('out', function (msg) {
      // A copy: what it was when handed to the mesh.
      if (msg.get !== undefined) gets.push(JSON.parse(JSON.stringify(msg.get)))
      this.to.next(msg)
    })
    return gets
  }

  beforeAll(async () => {
    relay = await createRelay({ port: 0 })
    seeder = await rawClient(relay.url)
    const put = {
      ...node('user/alice', { name: 'Alice' }),
      ...node('user/bob', { name: 'Bob' }),
      ...node('users', { name: 'not a user' }),
      ...node('team/red', { color: 'red' }),
      ...node('team/blue', { color: 'blue' }),
      ...node('teams', { color: 'none' }),
    }
    seeder.send({ '#': 'seed-stock', put })
    expect((await seeder.waitFor((m) => m['@'] === 'seed-stock')).ok).toBe(true)
  })
  afterAll(async () => {
    seeder.close()
    await relay.close()
  })

  it("gun/gun: gun.on('out', {get: {'#': {'*': prefix}}}) reaches the wire as a soul LEX and the matching nodes land in its graph", async () => {
    const gun = stockBrowserGun([relay.url]) as StockRoot
    const gets = watchOut(gun)
    gun.on('out', { '#': 'stock-lex-1', get: { '#': { '*': 'user/' } } })
    await until(() => gun._.graph['user/alice'] !== undefined && gun._.graph['user/bob'] !== undefined, 5000, 'user nodes in the stock graph')
    expect(gets).toContainEqual({ '#': { '*': 'user/' } })
    expect(gun._.graph['user/alice'].name).toBe('Alice')
    expect(gun._.graph['user/bob'].name).toBe('Bob')
    expect(gun._.graph.users).toBeUndefined()
    expect(gun._.graph['team/red']).toBeUndefined()
  })

  it("gun/gun: the chain API gun.get({'#': {'*': prefix}}) sends {\"*\": prefix} without '#'; we serve it and the nodes land in its graph", async () => {
    const gun = stockBrowserGun([relay.url]) as StockRoot
    const gets = watchOut(gun)
    // reason: the helper's typing only knows string keys; stock Gun also takes a LEX object here.
    ;(gun as unknown as { get(lex: unknown): StockChain })
      .get({ '#': { '*': 'team/' } })
      .map()
      .once(() => {})
    await until(() => gun._.graph['team/red'] !== undefined && gun._.graph['team/blue'] !== undefined, 5000, 'team nodes in the stock graph')
    expect(gets).toContainEqual({ '*': 'team/' })
    expect(gun._.graph['team/blue'].color).toBe('blue')
    expect(gun._.graph.teams).toBeUndefined()
    expect(gun._.graph['user/alice']).toBeUndefined()
  })

  it('gun (Node, RAD in a temp dir): a soul LEX read with % gets the matching nodes', async () => {
    const gun = stockNodeGun([relay.url]) as StockRoot
    gun.on('out', { '#': 'stock-lex-3', get: { '#': { '>': 'team/a', '<': 'team/z' }, '%': 100_000 } })
    await until(() => gun._.graph['team/red'] !== undefined && gun._.graph['team/blue'] !== undefined, 5000, 'team nodes in the stock Node graph')
    expect(gun._.graph['team/red'].color).toBe('red')
    expect(gun._.graph.teams).toBeUndefined()
    expect(gun._.graph['user/bob']).toBeUndefined()
  })
})

describe('soul LEX reads across relays', () => {
  // A (where the reader is) dials B; each holds different souls under `fwd/`.
  let a: Relay
  let b: Relay
  let onA: RawClient
  let onB: RawClient

  beforeAll(async () => {
    // B is written before A links to it: relays push changes to each other, so only this way does A lack them.
    b = await createRelay({ port: 0, admin: false })
    onB = await rawClient(b.url, { pid: 'writerB' })
    onB.send({ '#': 'seedB', put: { ...node('fwd/1', { n: 1 }), ...node('fwd/2', { n: 2 }), ...node('onlyb/1', { n: 9 }) } })
    expect((await onB.waitFor((m) => m['@'] === 'seedB')).ok).toBe(true)
    a = await createRelay({ port: 0, admin: false, peers: [b.url] })
    await until(() => [...a.mesh.peers].some((p) => p.relay && !p.closed), 5000, 'A linked to B')
    onA = await rawClient(a.url, { pid: 'readerA' })
    expect(a.engine.peek('fwd/1')).toBeUndefined()
    onA.send({ '#': 'seedA', put: node('fwd/0', { n: 0 }) })
    expect((await onA.waitFor((m) => m['@'] === 'seedA')).ok).toBe(true)
  })
  afterAll(async () => {
    onA.close()
    onB.close()
    await a.close()
    await b.close()
  })

  /**
   * Every reply to `id`: wait until `complete` holds, then a round trip on the same socket, a GET that A also forwards
   * to B: A's replies go out in order and B answers in order, so whatever either still sent for `id` is in by then.
   */
  async function repliesTo(get: unknown, id: string, complete: (replies: Msg[]) => boolean): Promise<Msg[]> {
    onA.send({ '#': id, get })
    const replies = () => onA.heard.filter((m) => m['@'] === id)
    await until(() => complete(replies()), 5000, `the replies to ${id}`)
    await roundTrip(onA)
    return replies()
  }
  const soulsIn = (replies: Msg[]) => [...new Set(replies.flatMap((r) => (r.put === undefined ? [] : Object.keys(r.put as Graph))))].sort()

  it('gathers what the peered relay holds with what this one holds, each reply hashed', async () => {
    const replies = await repliesTo({ '#': { '*': 'fwd/' } }, 'across1', (r) => soulsIn(r).length === 3)
    expect(soulsIn(replies)).toEqual(['fwd/0', 'fwd/1', 'fwd/2'])
    for (const reply of replies) if (reply.put !== undefined) expect(reply['##']).toBe(graphHash(reply.put))
    expect(replies.filter((r) => r.put === undefined)).toEqual([]) // no "not found" once anyone had data
  })

  it("finds souls only the peered relay holds, and stock Gun's top-level form is forwarded too", async () => {
    const found = (r: Msg[]) => soulsIn(r).includes('onlyb/1')
    expect(soulsIn(await repliesTo({ '#': { '*': 'onlyb/' } }, 'across2', found))).toEqual(['onlyb/1'])
    expect(soulsIn(await repliesTo({ '*': 'onlyb/' }, 'across3', found))).toEqual(['onlyb/1'])
  })

  it('says "not found" once, after the relays it asked, when nobody has a match', async () => {
    const replies = await repliesTo({ '#': { '*': 'nobody/' } }, 'across4', (r) => r.length > 0)
    expect(replies).toHaveLength(1)
    expect(replies[0].put).toBeUndefined()
  })
})
