import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ham, wins } from '../../src/core/ham.js'
import type { Value } from '../../src/core/types.js'
import { waitUntil } from '../support/wait.js'
import { applyWire, freshEngine, S, valueAt, wireNode } from './helpers.js'

describe('HAM as stock Gun executes it (reference §3 A)', () => {
  it('A1: a newer state wins, an older one is dropped', async () => {
    const engine = freshEngine()
    await applyWire(engine, wireNode('s', 'k', 'new', S + 5))
    const old = await applyWire(engine, wireNode('s', 'k', 'old', S))
    expect(old.changed).toEqual([])
    expect(valueAt(engine, 's', 'k')).toBe('new')
    await applyWire(engine, wireNode('s', 'k', 'newer', S + 6))
    expect(valueAt(engine, 's', 'k')).toBe('newer')
  })

  it('A2: equal state, different strings: the lexically greater wins in either order', async () => {
    for (const order of [
      ['a', 'b'],
      ['b', 'a'],
    ]) {
      const engine = freshEngine()
      for (const v of order) await applyWire(engine, wireNode('s', 'k', v, S))
      expect(valueAt(engine, 's', 'k')).toBe('b')
    }
  })

  // The tie-break table of reference §3 A.3: JSON text order, not type or numeric order.
  const table: [Value, Value][] = [
    [1, '1'],
    [null, 'x'],
    [{ '#': 'z' }, 'zzz'],
    [true, false],
    [9, 10],
    ['9', '10'],
    [{ '#': 'z' }, null],
  ]
  it.each(table)('A3: on equal state %j beats %j, whatever arrives first', async (winner, loser) => {
    for (const order of [
      [winner, loser],
      [loser, winner],
    ]) {
      const engine = freshEngine()
      for (const v of order) await applyWire(engine, wireNode('s', 'k', v, S))
      expect(valueAt(engine, 's', 'k')).toEqual(winner)
    }
  })

  it('A4: equal state and equal value change nothing and notify nobody', async () => {
    const engine = freshEngine()
    await applyWire(engine, wireNode('s', 'k', 'v', S))
    let calls = 0
    engine.watch('s', () => calls++)
    engine.onChange(() => calls++)
    const again = await applyWire(engine, wireNode('s', 'k', 'v', S))
    expect(again.changed).toEqual([])
    expect(calls).toBe(0)
  })

  it('A5: a future state is held, invisible, then applied when due', async () => {
    const engine = freshEngine()
    const due = Date.now() + 300
    const outcome = await applyWire(engine, wireNode('s', 'k', 'later', due))
    expect(outcome.deferred).toBe(1)
    expect(valueAt(engine, 's', 'k')).toBeUndefined()
    await waitUntil(() => valueAt(engine, 's', 'k') !== undefined, 'the held write to fall due')
    // Applied when due, not before: the clock has reached the write's state.
    expect(Date.now()).toBeGreaterThanOrEqual(due)
    expect(valueAt(engine, 's', 'k')).toBe('later')
  })

  it('A5b: a state stamped later in the current millisecond is the present, not the future', async () => {
    // A writer in step with us stamps t + N/999 for its N-th write of millisecond t; our Date.now() says t too.
    const engine = freshEngine()
    const outcome = await applyWire(engine, wireNode('s', 'k', 'now', Date.now() + 5 / 999))
    expect(outcome.deferred).toBe(0)
    expect(valueAt(engine, 's', 'k')).toBe('now')
    const ahead = await applyWire(engine, wireNode('s', 'k', 'next ms', Date.now() + 2))
    expect(ahead.deferred).toBe(1)
  })

  it('A6: disjoint keys merge, and state 0 is accepted when the key is absent', async () => {
    const engine = freshEngine()
    await applyWire(engine, wireNode('s', 'a', 1, S))
    await applyWire(engine, wireNode('s', 'b', 2, S))
    await applyWire(engine, wireNode('s', 'z', 'dawn', 0))
    expect(engine.peek('s')?.keys.sort()).toEqual(['a', 'b', 'z'])
  })

  it('A7: one message carrying two nodes stores both', async () => {
    const engine = freshEngine()
    await applyWire(engine, {
      sadf: { _: { '#': 'sadf', '>': { 1: S } }, 1: { '#': 'fdsa' } },
      fdsa: { _: { '#': 'fdsa', '>': { msg: S } }, msg: "Let's chat!" },
    })
    expect(valueAt(engine, 'sadf', '1')).toEqual({ '#': 'fdsa' })
    expect(valueAt(engine, 'fdsa', 'msg')).toBe("Let's chat!")
  })

  it('A10: a delete is a null tombstone with a newer state', async () => {
    const engine = freshEngine()
    await applyWire(engine, wireNode('s', 'k', 'v', S))
    await applyWire(engine, wireNode('s', 'k', null, S + 1))
    expect(engine.peek('s')?.has('k')).toBe(true)
    expect(valueAt(engine, 's', 'k')).toBeNull()
  })

  it('ham() outcomes', () => {
    expect(ham(100, 200, 'x', -Infinity, undefined)).toBe('defer')
    expect(ham(100, 50, 'x', 60, 'y')).toBe('historical')
    expect(ham(100, 60, 'x', 50, 'y')).toBe('accept')
    expect(ham(100, 60, 'x', 60, 'x')).toBe('same')
    expect(ham(100, 60, 'a', 60, 'b')).toBe('lose')
    expect(ham(100, 60, { '#': 'a' }, 60, { '#': 'a' })).toBe('same')
  })

  it('is a join: the winner of any set of writes does not depend on their order (seeded)', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 3 }),
      fc.integer({ min: -20, max: 20 }),
      fc.boolean(),
      fc.constant(null),
      fc
        .string({ maxLength: 2 })
        .filter((s) => s !== '')
        .map((s) => ({ '#': s })),
    )
    const write = fc.record({ state: fc.integer({ min: 0, max: 3 }), value })
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 8 }), fc.func(fc.integer()), (writes, shuffleKey) => {
        const fold = (list: typeof writes) =>
          list.reduce<{ state: number; value: Value } | undefined>(
            (held, w) => (held === undefined || wins(w.state, w.value, held.state, held.value) ? w : held),
            undefined,
          )
        const shuffled = [...writes].sort((a, b) => shuffleKey(a) - shuffleKey(b))
        const a = fold(writes)
        const b = fold(shuffled)
        expect(b?.state).toBe(a?.state)
        expect(b?.value).toEqual(a?.value)
      }),
      { seed: Number(process.env.SEED ?? 0x7e11) || undefined, numRuns: 300 },
    )
  })
})
