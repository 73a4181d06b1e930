import { rmSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import { inRange, type KeyRange } from '../../src/core/storage-contract.js'
import type { Value } from '../../src/core/types.js'
import { mergeKey } from '../../src/storage/log/codec.js'
import { createLogStorage, type LogStorage } from '../../src/storage/log/index.js'
import { flat, quietLogger, tempDir } from './helpers.js'

const souls = ['a', 'a/b', 'ab', 'b', '__proto__', 'constructor', 'toString', 'ü/é', '\ud800x']
const keys = ['x', 'y', 'name', '__proto__', 'constructor', '#', '', 'k\ud83d\ude00', 'z\udc00']
const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 6 }),
  fc.string({ maxLength: 3, unit: 'binary' }),
  fc.constantFrom(...souls).map((s) => ({ '#': s })),
)
const state = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.double({ min: 1, max: 1e13, noNaN: true }))
const nodeArb = fc.record({
  soul: fc.constantFrom(...souls),
  entries: fc.array(fc.tuple(fc.constantFrom(...keys), value, state), { maxLength: 4 }),
})
const rangeArb: fc.Arbitrary<KeyRange | undefined> = fc.option(
  fc.record(
    {
      prefix: fc.constantFrom('a', '_', 'n', ''),
      gte: fc.constantFrom('a', 'b', 'n', '#'),
      lte: fc.constantFrom('b', 'z', 'x', 'c'),
      reverse: fc.boolean(),
      limit: fc.integer({ min: 0, max: 3 }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
)

type Op =
  | { op: 'put'; batches: Array<Array<{ soul: string; entries: Array<[string, Value, number]> }>> }
  | { op: 'get'; soul: string; range: KeyRange | undefined }
  | { op: 'souls'; range: KeyRange | undefined }
  | { op: 'compact' }
  | { op: 'restart'; dropHint: boolean }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('put' as const),
      batches: fc.array(fc.array(nodeArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ op: fc.constant('get' as const), soul: fc.constantFrom(...souls), range: rangeArb }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('souls' as const), range: rangeArb }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('compact' as const) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('restart' as const), dropHint: fc.boolean() }), weight: 1 },
)

function expectedSlice(n: GraphNode, range: KeyRange | undefined): GraphNode {
  const out = new GraphNode(n.soul)
  const idx = n.keys.map((_, i) => i).filter((i) => inRange(n.keys[i], range))
  idx.sort((a, b) => (n.keys[a] < n.keys[b] ? -1 : n.keys[a] > n.keys[b] ? 1 : 0))
  if (range?.reverse) idx.reverse()
  for (const i of idx.slice(0, range?.limit ?? Infinity)) out.set(n.keys[i], n.values[i], n.states[i])
  return out
}

function expectedSouls(model: Map<string, GraphNode>, range: KeyRange | undefined): string[] {
  const all = [...model.keys()].filter((s) => inRange(s, range)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (range?.reverse) all.reverse()
  return all.slice(0, range?.limit ?? Infinity)
}

describe('log storage agrees with an in-memory HAM model', () => {
  it('under any sequence of writes, compactions, restarts and reads', async () => {
    const seed = Number(process.env.TRELLIS_SEED ?? Date.now() % 2 ** 31)
    const runs = process.env.TRELLIS_LONG === '1' ? 400 : 40
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
          const { dir, cleanup } = tempDir('model')
          const open = () => createLogStorage({ dir, segmentBytes: 256, cacheNodes: 2, logger: quietLogger, compactMinBytes: 512, compactGarbageRatio: 0.6 })
          const model = new Map<string, GraphNode>()
          let store: LogStorage = await open()
          try {
            for (const op of ops) {
              switch (op.op) {
                case 'put': {
                  // Batches go out concurrently, as group commit sees them.
                  await Promise.all(
                    op.batches.map((batch) =>
                      store.put(
                        batch.map((n) => {
                          const g = new GraphNode(n.soul)
                          for (const [k, v, s] of n.entries) g.set(k, v, s)
                          return g
                        }),
                      ),
                    ),
                  )
                  for (const batch of op.batches)
                    for (const n of batch) {
                      let held = model.get(n.soul)
                      if (held === undefined) model.set(n.soul, (held = new GraphNode(n.soul)))
                      const g = new GraphNode(n.soul)
                      for (const [k, v, s] of n.entries) g.set(k, v, s)
                      for (let i = 0; i < g.keys.length; i++) mergeKey(held, g.keys[i], g.values[i], g.states[i])
                    }
                  break
                }
                case 'get': {
                  const held = model.get(op.soul)
                  const got = await store.get(op.soul, op.range)
                  expect(flat(got)).toEqual(held === undefined ? undefined : flat(expectedSlice(held, op.range)))
                  if (op.range?.limit === undefined && got !== undefined) {
                    const order = got.keys.slice()
                    const sorted = order.slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
                    if (op.range !== undefined) expect(order).toEqual(op.range.reverse ? sorted.reverse() : sorted)
                  }
                  break
                }
                case 'souls':
                  expect(await store.souls(op.range)).toEqual(expectedSouls(model, op.range))
                  break
                case 'compact':
                  await store.compact()
                  break
                case 'restart':
                  await store.close()
                  if (op.dropHint) rmSync(join(dir, 'index.hint'), { force: true })
                  store = await open()
                  break
              }
            }
            await store.close()
            store = await open()
            for (const [soul, held] of model) expect(flat(await store.get(soul))).toEqual(flat(held))
            expect(await store.souls()).toEqual(expectedSouls(model, undefined))
          } finally {
            await store.close()
            cleanup()
          }
        }),
        { seed, numRuns: runs },
      )
    } catch (error) {
      console.error(`log-model property failed; replay with TRELLIS_SEED=${seed}`)
      throw error
    }
  }, 120_000)
})
