import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { graphHash, sortedJson, stringHash } from '../../src/mesh/hash.js'

const require = createRequire(import.meta.url)

/** Stock Gun's own hash, computed the way its mesh does (sorted-key replacer + String.hash). */
function stockHash(put: unknown): number {
  const Gun = require('gun/gun.js') as { log: { off?: boolean } }
  void Gun
  const hash = (String as unknown as { hash: (s: string, c?: number) => number }).hash
  const sort = (_k: string, v: unknown) => {
    if (!(v instanceof Object)) return v
    const to: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) to[k] = (v as Record<string, unknown>)[k]
    return to
  }
  return hash(JSON.stringify(put, sort))
}

describe('## hash', () => {
  it('matches the relay hash from the reference (§3 C 26)', () => {
    expect(graphHash({ lx: { _: { '#': 'lx', '>': { apple: 1700000000000 } }, apple: 5 } })).toBe(-1471477259)
  })
  it('is Java String.hashCode folded to 32 bits', () => {
    expect(stringHash('')).toBe(0)
    expect(stringHash('a')).toBe(97)
    expect(stringHash('hello')).toBe(99162322)
  })
  it("orders integer-like keys first, numerically, as Gun's sorted copy does", () => {
    expect(sortedJson({ b: 1, 10: 2, a: 3, 9: 4 })).toBe('{"9":4,"10":2,"a":3,"b":1}')
  })
  it("equals stock Gun's hash for arbitrary graphs", () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null))
    const node = fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 8 })
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }), node, { maxKeys: 4 }), (generated) => {
        // As parsed off the wire: ordinary objects (fast-check builds null-prototype ones).
        const graph: unknown = JSON.parse(JSON.stringify(generated))
        expect(graphHash(graph)).toBe(stockHash(graph))
      }),
      { numRuns: 500, seed: 42 },
    )
  })
})
