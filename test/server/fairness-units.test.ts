import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import { toWireGraph } from '../../src/core/wire.js'
import type { WorkCost } from '../../src/mesh/fair.js'
import { graphHash } from '../../src/mesh/hash.js'
import { NodeHashTask } from '../../src/mesh/node-hash.js'
import { DebtBucket } from '../../src/mesh/rate.js'

/** Run a sliced hash to the end, counting steps. */
function slicedHash(node: GraphNode): { hash: number; steps: number } {
  let hash: number | undefined
  const task = new NodeHashTask(node, (h) => (hash = h))
  const cost: WorkCost = { keys: 0, chars: 0, messages: 0 }
  let steps = 1
  while (!task.step(cost)) steps++
  return { hash: hash as number, steps }
}

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.nat({ max: 5000 }).map(String),
  fc.constantFrom('__proto__', 'constructor', '0', '01', '4294967294', '4294967295', 'Z', '`', '^', 'a'),
)
const value = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 5 }).map((s) => ({ '#': s })),
)

describe('sliced whole-node hash (ask-back `##` of a big node)', () => {
  it('equals graphHash(toWireGraph([node])) for any node, whatever its size (seeded)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.array(fc.tuple(key, value, fc.integer()), { maxLength: 300 }), (soul, entries) => {
        const node = new GraphNode(soul === '' ? 's' : soul)
        for (const [k, v, s] of entries) node.set(k, v as never, s)
        expect(slicedHash(node).hash).toBe(graphHash(toWireGraph([node])))
      }),
      { seed: 11, numRuns: 300 },
    )
  })

  it('matches on a node large enough to need merge passes, in many bounded steps', () => {
    const node = new GraphNode('big')
    // Random order (seeded) so the sort has real work; some integer-like keys among the names.
    let x = 12345
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0
      node.set(i % 7 === 0 ? String((x >>> 0) % 100000) : `k${(x >>> 0).toString(36)}`, `v${i}`, 1700000000000 + i)
    }
    const { hash, steps } = slicedHash(node)
    expect(hash).toBe(graphHash(toWireGraph([node])))
    expect(steps).toBeGreaterThan(20)
  })
})

describe('DebtBucket (per-peer budgets)', () => {
  it('lets work run into debt, then makes the peer wait until the refill has paid it off', () => {
    let now = 0
    const bucket = new DebtBucket(1000, 4000, () => now)
    bucket.spend(3000)
    expect(bucket.waitMs()).toBe(0)
    bucket.spend(3000) // 2000 in debt
    expect(bucket.waitMs()).toBe(2000)
    now = 1000
    expect(bucket.waitMs()).toBe(1000)
    now = 2000
    expect(bucket.waitMs()).toBe(0)
    // The refill is capped at the burst before a new spend is taken off.
    now = 100_000
    bucket.spend(4500)
    expect(bucket.waitMs()).toBe(500)
  })
})

describe('fair scheduler in a mesh (in process)', () => {
  it('closes a connection with 1013 when its waiting frames pass maxPeerBacklogChars (a transport that cannot pause)', async () => {
    const { createMesh } = await import('../../src/mesh/mesh.js')
    const { createEngine } = await import('../../src/core/engine.js')
    const { CLOSE_BACKLOG } = await import('../../src/mesh/fair.js')
    const engine = createEngine()
    const mesh = createMesh({ engine, relay: true, limits: { peerCharsPerSecond: 1000, maxPeerBacklogChars: 50_000, sliceChars: 1000 } })
    const closes: number[] = []
    const handle = mesh.connect({ send: () => {}, close: (code) => void closes.push(code ?? 0), bufferedAmount: () => 0 }, { outgoing: false })
    const frame = (i: number) => JSON.stringify({ '#': `p${i}`, put: { s: { _: { '#': 's', '>': { k: 1700000000000 + i } }, k: 'x'.repeat(800) } } })
    // The burst (4 s × 1000 chars) goes at once; then frames wait, 50 000 chars of them at most.
    let i = 0
    while (closes.length === 0 && i < 1000) handle.hear(frame(i++))
    expect(closes).toEqual([CLOSE_BACKLOG])
    expect(i).toBeGreaterThan(50_000 / 900)
    expect(i).toBeLessThan(50_000 / 800 + 4000 / 800 + 3)
    mesh.close()
  })

  it('counts a tiny frame as at least MIN_FRAME_CHARS: a flood of empty batches cannot queue millions of them under the bound', async () => {
    const { createMesh } = await import('../../src/mesh/mesh.js')
    const { createEngine } = await import('../../src/core/engine.js')
    const { CLOSE_BACKLOG, MIN_FRAME_CHARS } = await import('../../src/mesh/fair.js')
    const mesh = createMesh({ engine: createEngine(), relay: true, limits: { peerCharsPerSecond: 1000, maxPeerBacklogChars: 50_000, sliceChars: 1000 } })
    const closes: number[] = []
    const handle = mesh.connect({ send: () => {}, close: (code) => void closes.push(code ?? 0), bufferedAmount: () => 0 }, { outgoing: false })
    // '[]' is two characters; each waiting one still holds an array slot and a string: charged MIN_FRAME_CHARS.
    let i = 0
    while (closes.length === 0 && i < 100_000) {
      handle.hear('[]')
      i++
    }
    expect(closes).toEqual([CLOSE_BACKLOG])
    expect(i).toBeLessThan((50_000 + 4000) / MIN_FRAME_CHARS + 3)
    mesh.close()
  })

  it("handles a batch frame of over 64 messages in its peer's turns, 64 at a time, in order, the peer's next frames after it", async () => {
    const { createMesh } = await import('../../src/mesh/mesh.js')
    const { createEngine } = await import('../../src/core/engine.js')
    const { fairStatsOf } = await import('../../src/mesh/fair.js')
    const engine = createEngine()
    // packChars 1: every message is written at once (no batching till the end of the turn).
    const mesh = createMesh({ engine, relay: true, limits: { packChars: 1 } })
    const answered: string[] = []
    const handle = mesh.connect(
      {
        send: (text) => {
          for (const m of text.matchAll(/"@":"(q\d+)"/g)) answered.push(m[1])
        },
        close: () => {},
        bufferedAmount: () => 0,
      },
      { outgoing: false },
    )
    const gets = (from: number, to: number) =>
      JSON.stringify(Array.from({ length: to - from }, (_, i) => ({ '#': `q${from + i}`, get: { '#': `none/${from + i}` } })))
    handle.hear(gets(0, 300))
    handle.hear(gets(300, 310)) // queued behind the first frame's rest
    // Nothing of it ran on arrival: it waits for the peer's turns (answers would come in microtasks).
    for (let tick = 0; tick < 100; tick++) await Promise.resolve()
    expect(answered.length).toBeLessThanOrEqual(64)
    expect(fairStatsOf(mesh.peers)?.slicedBatches).toBe(1)
    // Each turn is a setImmediate: after a few, everything is answered, in the order asked.
    for (let turn = 0; turn < 50 && answered.length < 310; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(answered).toEqual(Array.from({ length: 310 }, (_, i) => `q${i}`))
    mesh.close()
  })

  it("checks a put of many keys in its peer's turns, all or nothing: a small put heard after it is applied first", async () => {
    const { createMesh } = await import('../../src/mesh/mesh.js')
    const { createEngine } = await import('../../src/core/engine.js')
    const { fairStatsOf } = await import('../../src/mesh/fair.js')
    const engine = createEngine()
    // sliceChars past the frame's size: the frame runs on arrival, and only the put's own slicing can defer it.
    const mesh = createMesh({ engine, relay: true, limits: { sliceChars: 16 * 1024 * 1024 } })
    const replies: string[] = []
    const link = { send: (text: string) => void replies.push(text), close: () => {}, bufferedAmount: () => 0 }
    const big = mesh.connect(link, { outgoing: false })
    const small = mesh.connect(link, { outgoing: false })
    const bigPut = (id: string, soul: string, lastValue: unknown) => {
      const states: Record<string, number> = {}
      const node: Record<string, unknown> = { _: { '#': soul, '>': states } }
      for (let i = 0; i < 20_000; i++) {
        node[`k${i}`] = i
        states[`k${i}`] = 1700000000000
      }
      node.last = lastValue
      states.last = 1700000000000
      return JSON.stringify({ '#': id, put: { [soul]: node } })
    }
    big.hear(bigPut('b1', 'big', 'fine'))
    small.hear(JSON.stringify({ '#': 's1', put: { small: { _: { '#': 'small', '>': { a: 1700000000000 } }, a: 1 } } }))
    // The small put is in; the big one is still being checked, and none of it is visible.
    expect(engine.peek('small')?.get('a')).toBe(1)
    expect(engine.peek('big')).toBeUndefined()
    expect(fairStatsOf(mesh.peers)?.slicedTasks).toBe(1)
    const acked = (id: string) => replies.some((text) => text.includes(`"@":"${id}"`))
    for (let turn = 0; turn < 200 && !acked('b1'); turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(engine.peek('big')?.size).toBe(20_001)
    // A bad key at the very end refuses the whole put: nothing of it is stored.
    big.hear(bigPut('b2', 'big2', { not: 'a link' }))
    for (let turn = 0; turn < 200 && !acked('b2'); turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(replies.find((text) => text.includes('"@":"b2"'))).toMatch(/"err":/)
    expect(engine.peek('big2')).toBeUndefined()
    mesh.close()
  })
})
