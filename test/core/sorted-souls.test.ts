import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import { GraphNode } from '../../src/core/node.js'
import { createSortedSouls } from '../../src/core/sorted-souls.js'
import { inRange, type KeyRange, type StorageAdapter } from '../../src/core/storage-contract.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { S } from './helpers.js'
import { waitUntil } from '../support/wait.js'

/** What a listing must be: every soul inside the range, sorted, reversed on request, cut at the limit. */
function model(souls: Iterable<string>, range: KeyRange | undefined): string[] {
  const out = [...new Set(souls)].filter((soul) => inRange(soul, range)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (range?.reverse) out.reverse()
  return range?.limit !== undefined ? out.slice(0, range.limit) : out
}

const soulArb = fc.string({ unit: fc.constantFrom('a', 'b', '/', 'é', '\uffff'), maxLength: 4 })
const rangeArb: fc.Arbitrary<KeyRange | undefined> = fc.option(
  fc.record({ prefix: soulArb, gte: soulArb, lte: soulArb, reverse: fc.boolean(), limit: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: [] }),
  { nil: undefined },
)

describe('sorted souls (LEX over souls)', () => {
  it('answers like filter-and-sort, with souls added before and after the first query', () => {
    fc.assert(
      fc.property(
        fc.array(soulArb, { maxLength: 20 }),
        fc.array(
          fc.oneof(
            soulArb.map((soul) => ({ soul })),
            rangeArb.map((range) => ({ range })),
          ),
          { maxLength: 30 },
        ),
        (initial, ops) => {
          const held = [...initial]
          // The real sources (Map keys) hold each soul once.
          const index = createSortedSouls(() => new Set(held))
          for (const op of ops) {
            if ('soul' in op) {
              held.push(op.soul)
              index.add(op.soul)
            } else expect(index.query(op.range)).toEqual(model(held, op.range))
          }
          expect(index.query(undefined)).toEqual(model(held, undefined))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('stays right across folds of the side list (thousands of new souls)', () => {
    const held: string[] = ['m/0']
    const index = createSortedSouls(() => held)
    expect(index.query({ prefix: 'm/' })).toEqual(['m/0'])
    for (let i = 0; i < 10_000; i++) {
      const soul = `${i % 3 === 0 ? 'm' : 'n'}/${(i * 7919) % 10_007}`
      held.push(soul)
      index.add(soul)
      index.add(soul)
    }
    for (const range of [{ prefix: 'm/' }, { prefix: 'n/1', reverse: true, limit: 50 }, { gte: 'm/5', lte: 'n/2', limit: 1000 }, undefined]) {
      expect(index.query(range)).toEqual(model(held, range))
    }
  })
})

describe('engine.souls', () => {
  const nodeOf = (soul: string) => {
    const node = new GraphNode(soul)
    node.set('v', 1, S)
    return node
  }

  it('without storage: the souls in memory, written before or after the first listing', async () => {
    const engine = createEngine()
    await engine.put(['u/b', 'u/a', 'x'].map(nodeOf), { kind: 'local', id: '1' })
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/a', 'u/b'])
    await engine.put(['u/c', 'u/0'].map(nodeOf), { kind: 'local', id: '2' })
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/0', 'u/a', 'u/b', 'u/c'])
    expect(await engine.souls({ prefix: 'u/', reverse: true, limit: 2 })).toEqual(['u/c', 'u/b'])
  })

  it('merges souls only in storage with souls only in memory (a write storage has not listed yet), in order and without duplicates', async () => {
    const stored = createMemoryStorage()
    await stored.put(['u/a', 'u/c'].map(nodeOf))
    // A store that takes writes without listing them (yet): what the engine applies is listed from memory.
    const lagging: StorageAdapter = { ...stored, put: () => Promise.resolve() }
    const engine = createEngine({ storage: lagging })
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/a', 'u/c'])
    await (await engine.put(['u/b', 'u/c', 'v/z'].map(nodeOf), { kind: 'local', id: '1' })).durable
    expect(engine.peek('u/b')).toBeDefined()
    expect(await stored.souls({ prefix: 'u/' })).toEqual(['u/a', 'u/c'])
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/a', 'u/b', 'u/c'])
    expect(await engine.souls({ gte: 'u/b', reverse: true })).toEqual(['v/z', 'u/c', 'u/b'])
    expect(await engine.souls({ prefix: 'u/', limit: 2 })).toEqual(['u/a', 'u/b'])
  })

  it('does not list a soul whose only write storage has not made durable', async () => {
    const stored = createMemoryStorage()
    await stored.put(['u/a'].map(nodeOf))
    const stalled: StorageAdapter = { ...stored, put: () => new Promise<void>(() => {}) }
    const engine = createEngine({ storage: stalled })
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/a'])
    void engine.put(['u/b'].map(nodeOf), { kind: 'local', id: '1' })
    await waitUntil(() => engine.peek('u/b') !== undefined, 'the write is applied in memory')
    expect(await engine.souls({ prefix: 'u/' })).toEqual(['u/a'])
  })
})
