import { describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import { createEngine } from '../../src/core/engine.js'

describe('GraphNode', () => {
  it('indexes large nodes and keeps lookups right across the threshold', () => {
    const node = new GraphNode('big')
    for (let i = 0; i < 40; i++) node.set(`k${i}`, i, i)
    for (let i = 0; i < 40; i++) expect(node.get(`k${i}`)).toBe(i)
    node.set('k3', 'x', 99)
    expect([node.get('k3'), node.stateOf('k3'), node.size]).toEqual(['x', 99, 40])
    expect(node.stateOf('absent')).toBe(-Infinity)
  })

  it('a diff handed to listeners does not change when the node is written again', async () => {
    const engine = createEngine()
    const seen: GraphNode[] = []
    engine.onChange((changed) => seen.push(...changed))
    const first = new GraphNode('s', ['a'], [1], [1])
    await engine.put([first], { kind: 'local', id: '1' })
    await engine.put([new GraphNode('s', ['a', 'b'], [2, 3], [2, 2])], { kind: 'local', id: '2' })
    expect(seen[0].keys).toEqual(['a'])
    expect(seen[0].get('a')).toBe(1)
    expect(engine.peek('s')?.get('a')).toBe(2)
  })
})
