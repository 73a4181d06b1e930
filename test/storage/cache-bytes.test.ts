import { afterEach, describe, expect, it } from 'vitest'
import { nodeBytes } from '../../src/core/memory-bound.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { node, quietLogger, tempDir } from './helpers.js'

// Finding 7 (issue 11), storage half: the log storage's decoded-node cache was
// bounded by count only, so reading back big nodes kept every one of them in
// memory whatever the engine's byte bound said. It is bounded in estimated
// bytes too (`cacheBytes`, same estimate as the engine: src/core/memory-bound.ts).

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))
const dirFor = (label: string) => {
  const t = tempDir(label)
  cleanups.push(t.cleanup)
  return t.dir
}

const KIB = 1024

describe('log storage node cache: bounded in bytes', () => {
  it('keeps the decoded nodes it caches within cacheBytes while big nodes are read back', async () => {
    const bound = 256 * KIB
    const store = await createLogStorage({ dir: dirFor('cache-bytes'), cacheBytes: bound, logger: quietLogger })
    // 40 nodes (souls of one length) of two 20 000-char values: ≈80 KB each by the estimate, 3 fit in the bound, 40 do not.
    const nodes = 40
    const soul = (i: number) => `big/${String(i).padStart(2, '0')}`
    const big = (i: number) => node(soul(i), { a: [`a${i}`.padEnd(20_000, 'x'), 1], b: [`b${i}`.padEnd(20_000, 'y'), 1] })
    const size = nodeBytes(big(0))
    for (let i = 0; i < nodes; i++) await store.put([big(i)])
    for (let i = 0; i < nodes; i++) {
      const got = await store.get(soul(i))
      expect(got?.get('a')).toBe(`a${i}`.padEnd(20_000, 'x'))
      const stats = store.stats()
      // Without a byte bound every node read stays cached (count bound 50 000).
      expect(stats.cachedNodes * size).toBeLessThanOrEqual(bound)
      expect(stats.cachedBytes).toBeLessThanOrEqual(bound)
      expect(stats.cachedBytes).toBe(stats.cachedNodes * size)
    }
    expect(store.stats().cachedNodes).toBeGreaterThan(0)
    await store.close()
  })

  it('does not cache a node bigger than the whole budget, and still serves it', async () => {
    const store = await createLogStorage({ dir: dirFor('cache-huge'), cacheBytes: 64 * KIB, logger: quietLogger })
    await store.put([node('huge', { v: ['z'.repeat(40_000), 1] })])
    await store.put([node('small', { v: ['s', 1] })])
    expect((await store.get('small'))?.get('v')).toBe('s')
    expect((await store.get('huge'))?.get('v')).toBe('z'.repeat(40_000))
    expect(store.getNow?.('huge')?.get('v')).toBe('z'.repeat(40_000))
    const stats = store.stats()
    expect(stats.cachedNodes).toBe(1)
    expect(stats.cachedBytes).toBe(nodeBytes(node('small', { v: ['s', 1] })))
    await store.close()
  })

  it('counts writes merged into cached nodes incrementally, exactly as a rescan would', async () => {
    const store = await createLogStorage({ dir: dirFor('cache-grow'), cacheBytes: 1024 * KIB, logger: quietLogger })
    const souls = Array.from({ length: 8 }, (_, i) => `g/${i}`)
    for (const soul of souls) await store.put([node(soul, { k: ['v', 1] })])
    for (const soul of souls) await store.get(soul) // now cached
    // New keys, overwrites with longer and shorter values, a link, a null, a losing (older) write.
    for (let round = 2; round < 40; round++) {
      for (const [i, soul] of souls.entries()) {
        await store.put([
          node(soul, { [`k${round % 7}`]: [round % 3 === 0 ? null : 'w'.repeat((round * (i + 1)) % 300), round], l: [{ '#': `to/${round}` }, round] }),
        ])
        await store.put([node(soul, { l: ['old', 1] })])
      }
    }
    let expected = 0
    for (const soul of souls) expected += nodeBytes((await store.get(soul))!)
    expect(store.stats().cachedNodes).toBe(souls.length)
    expect(store.stats().cachedBytes).toBe(expected)
    await store.close()
  })

  it('evicts when a cached node grows past the budget through writes', async () => {
    const store = await createLogStorage({ dir: dirFor('cache-grow-out'), cacheBytes: 64 * KIB, logger: quietLogger })
    for (let i = 0; i < 4; i++) await store.put([node(`s/${i}`, { v: ['x'.repeat(4000), 1] })])
    for (let i = 0; i < 4; i++) await store.get(`s/${i}`)
    expect(store.stats().cachedNodes).toBe(4)
    // s/0 grows to ≈ 80 KB: bigger than the budget, so it leaves the cache; the others stay.
    await store.put([node('s/0', { w: ['y'.repeat(40_000), 2] })])
    expect(store.stats().cachedNodes).toBe(3)
    expect(store.stats().cachedBytes).toBeLessThanOrEqual(64 * KIB)
    // s/1 grows to ≈ 48 KB: fits alone, so older nodes make room for it.
    await store.put([node('s/1', { w: ['y'.repeat(20_000), 2] })])
    expect(store.stats().cachedBytes).toBeLessThanOrEqual(64 * KIB)
    expect((await store.get('s/0'))?.get('w')).toBe('y'.repeat(40_000))
    expect((await store.get('s/1'))?.get('w')).toBe('y'.repeat(20_000))
    await store.close()
  })
})
