import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import type { Engine } from '../../src/core/engine-types.js'
import { createMesh } from '../../src/mesh/mesh.js'

const S = 1700000000000
const SOULS = ['a', 'b', '__proto__', 'constructor']
const KEYS = ['x', 'y', 'toString', '']
const value = fc.oneof(
  fc.constantFrom('a', 'b', '1', '9', '10', ''),
  fc.constantFrom(1, 9, 10, 0),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom({ '#': 'a' }, { '#': 'z' }),
)
const put = fc.record({ soul: fc.constantFrom(...SOULS), key: fc.constantFrom(...KEYS.filter((k) => k !== '')), value, state: fc.integer({ min: 0, max: 3 }) })

/** Everything an engine holds, as comparable text. */
function snapshot(engine: Engine): string {
  const out: string[] = []
  for (const soul of SOULS) {
    const node = engine.peek(soul)
    if (node === undefined) continue
    const keys = node.keys.map((k, i) => `${JSON.stringify(k)}=${JSON.stringify(node.values[i])}@${node.states[i]}`).sort()
    out.push(`${JSON.stringify(soul)}{${keys.join(',')}}`)
  }
  return out.join('\n')
}

const frame = (p: { soul: string; key: string; value: unknown; state: number }, id: string) =>
  `{"#":${JSON.stringify(id)},"put":{${JSON.stringify(p.soul)}:{"_":{"#":${JSON.stringify(p.soul)},">":{${JSON.stringify(p.key)}:${S + p.state}}},${JSON.stringify(p.key)}:${JSON.stringify(p.value)}}}}`

describe('convergence (fast-check, seeded)', () => {
  it('replicas receiving the same puts through the mesh in any order, with duplicates, end identical', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(put, { minLength: 1, maxLength: 30 }),
        fc.array(fc.array(fc.nat(), { maxLength: 40 }), { minLength: 3, maxLength: 3 }),
        async (puts, orders) => {
          const snapshots: string[] = []
          for (const order of orders) {
            const engine = createEngine()
            const mesh = createMesh({ engine })
            const handle = mesh.connect({ send: () => {}, close: () => {}, bufferedAmount: () => 0 }, { outgoing: false })
            // Every put at least once, in a permuted order, plus duplicates (same id and new ids).
            const sequence = puts.map((_, i) => i)
            for (let i = sequence.length - 1; i > 0; i--) {
              const j = (order[i % Math.max(1, order.length)] ?? i) % (i + 1)
              ;[sequence[i], sequence[j]] = [sequence[j], sequence[i]]
            }
            for (const extra of order) sequence.push(extra % puts.length)
            let n = 0
            for (const i of sequence) handle.hear(frame(puts[i], n++ % 3 === 0 ? `p${i}` : `r${n}`))
            await new Promise((r) => setTimeout(r, 0))
            snapshots.push(snapshot(engine))
            mesh.close()
            await engine.close()
          }
          expect(snapshots[1]).toBe(snapshots[0])
          expect(snapshots[2]).toBe(snapshots[0])
        },
      ),
      { numRuns: 200, seed: Number(process.env.TRELLIS_SEED ?? 1121) },
    )
  })
})
