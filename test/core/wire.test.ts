import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseWireGraph, toWireGraph, WireGraphParser, wireGraphText } from '../../src/core/wire.js'
import { GraphNode } from '../../src/core/node.js'
import { applyWire, freshEngine, S, valueAt } from './helpers.js'

const node = (soul: string, body: Record<string, unknown>, states: Record<string, unknown>) => ({ [soul]: { _: { '#': soul, '>': states }, ...body } })

describe('wire graph validation', () => {
  it.each([
    [{ s: 'x' }, "Invalid graph! 's' no node."],
    [{ s: { k: 1 } }, "Invalid graph! 's' no meta."],
    [{ s: { _: { '#': 't', '>': { k: S } }, k: 1 } }, "Invalid graph! 's' soul not same."],
    [{ s: { _: { '#': 's' }, k: 1 } }, "Invalid graph! 's' no state."],
    [node('s', { k: 1 }, {}), "Invalid graph! 'k' on 's' no state."],
  ])('A8: refuses an invalid node %j with Gun’s text', (graph, text) => {
    expect(() => parseWireGraph(graph)).toThrow(text)
  })

  it('A8: nothing from an invalid node is stored', async () => {
    const engine = freshEngine()
    await expect(applyWire(engine, { s: { _: { '#': 'other', '>': { k: S } }, k: 1 } })).rejects.toThrow('soul not same')
    expect(engine.peek('s')).toBeUndefined()
    expect(engine.peek('other')).toBeUndefined()
  })

  it('A9: an array, a non-link object or a missing state refuses the whole put (atomic, unlike stock Gun)', async () => {
    const engine = freshEngine()
    for (const bad of [
      node('s', { k: 1, j: [1] }, { k: S, j: S }),
      node('s', { k: 1, j: { x: 1 } }, { k: S, j: S }),
      node('s', { k: 1, j: { '#': '' } }, { k: S, j: S }),
      node('s', { k: 1, j: 2 }, { k: S }),
      { ...node('ok', { a: 1 }, { a: S }), ...node('s', { j: [1] }, { j: S }) },
    ]) {
      await expect(applyWire(engine, bad)).rejects.toMatchObject({ name: 'TrellisError' })
    }
    expect(engine.peek('s')).toBeUndefined()
    expect(engine.peek('ok')).toBeUndefined()
  })

  it('rejects non-number, NaN and infinite states (stock Gun stores the value without a state)', () => {
    for (const state of ['1', null, true, Number.NaN, Number.POSITIVE_INFINITY, { n: 1 }]) {
      expect(() => parseWireGraph(node('s', { k: 1 }, { k: state }))).toThrow(/bad state/)
    }
  })

  it('rejects non-finite numbers and non-link objects as values, with the message the chain and REST give', () => {
    expect(() => parseWireGraph({ s: { _: { '#': 's', '>': { k: S } }, k: Number.NaN } })).toThrow('Invalid data: number at s.k')
    expect(() => parseWireGraph(node('s', { k: [1] }, { k: S }))).toThrow('Invalid data: Array at s.k')
    expect(() => parseWireGraph(node('s', { k: { x: 1 } }, { k: S }))).toThrow('Invalid data: Object at s.k')
  })

  it('issue 11 #17: an empty key is refused, as the chain and REST refuse it', () => {
    expect(() => parseWireGraph(node('s', { '': 1 }, { '': S }))).toThrow('Invalid key: empty key at s')
  })

  it('issue 11 #8: souls, keys, string values and link targets past the limits are refused, naming them (clipped)', () => {
    const limits = { maxSoulChars: 8, maxKeyChars: 4, maxValueChars: 3 }
    expect(() => parseWireGraph(node('123456789', { a: 1 }, { a: S }), limits)).toThrow('Soul too long: 9 chars (max 8) at 123456789')
    expect(() => parseWireGraph(node('s', { abcde: 1 }, { abcde: S }), limits)).toThrow('Key too long: 5 chars (max 4) at s.abcde')
    expect(() => parseWireGraph(node('s', { a: 'abcd' }, { a: S }), limits)).toThrow('Value too long: 4 chars (max 3) at s.a')
    expect(() => parseWireGraph(node('s', { a: { '#': '123456789' } }, { a: S }), limits)).toThrow('Soul too long: 9 chars (max 8) at s.a')
    expect(parseWireGraph(node('12345678', { abcd: 'abc', l: { '#': '12345678' } }, { abcd: S, l: S }), limits)).toHaveLength(1)
    const huge = 'x'.repeat(1024 * 1024)
    expect(() => parseWireGraph(node(huge, { a: 1 }, { a: S }))).toThrow(`Soul too long: ${huge.length} chars (max 4096) at ${'x'.repeat(40)}…`)
  })

  it('treats hostile souls and keys as ordinary strings, without polluting prototypes', async () => {
    const engine = freshEngine()
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'big', 'link', 'prototype']
    for (const name of names) {
      const text = `{"${name}":{"_":{"#":"${name}",">":{"${name}":${S},"pwned":${S}}},"${name}":"yes","pwned":"yes"}}`
      await applyWire(engine, JSON.parse(text))
      expect(valueAt(engine, name, name)).toBe('yes')
      expect(valueAt(engine, name, 'pwned')).toBe('yes')
    }
    expect(({} as Record<string, unknown>).pwned).toBeUndefined()
    expect(typeof Object.prototype.toString).toBe('function')
    const wire = toWireGraph([engine.peek('__proto__')!])
    expect(Object.getPrototypeOf(wire)).toBe(Object.prototype)
    const own = Object.getOwnPropertyDescriptor(wire, '__proto__')?.value as Record<string, unknown>
    expect(Object.getOwnPropertyDescriptor(own, '__proto__')?.value).toBe('yes')
    expect(JSON.stringify(wire)).toContain('{"__proto__":{"_":{"#":"__proto__"')
  })

  it('ignores inherited properties: a graph whose prototype carries nodes stores nothing', () => {
    const graph = Object.create({ evil: { _: { '#': 'evil', '>': { k: S } }, k: 1 } })
    expect(parseWireGraph(graph)).toEqual([])
  })

  it('round-trips through toWireGraph', () => {
    const graph = node('s', { a: 1, b: 'x', c: null, d: { '#': 'o' }, e: true }, { a: S, b: S, c: S, d: S + 1, e: S })
    expect(toWireGraph(parseWireGraph(graph))).toEqual(graph)
  })
  it('wireGraphText writes exactly the JSON text of toWireGraph', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 })
    const value = fc.oneof(
      text,
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      text.map((soul) => ({ '#': soul })),
    )
    const key = fc.oneof(
      text.filter((k) => k !== '' && k !== '_'),
      fc.constantFrom('__proto__', 'constructor', 'toString', '"q"', '\\'),
    )
    const graphNode = fc.record({
      soul: fc.oneof(
        text.filter((s) => s !== ''),
        fc.constant('__proto__'),
      ),
      entries: fc.uniqueArray(fc.tuple(key, value, fc.double({ min: 0, max: 4e12, noNaN: true })), { selector: ([k]) => k, maxLength: 6 }),
    })
    fc.assert(
      fc.property(fc.uniqueArray(graphNode, { selector: (n) => n.soul, maxLength: 4 }), (specs) => {
        const nodes = specs.map(({ soul, entries }) => {
          const node = new GraphNode(soul)
          for (const [k, v, s] of entries) node.set(k, v, s)
          return node
        })
        expect(wireGraphText(nodes)).toBe(JSON.stringify(toWireGraph(nodes)))
      }),
      { seed: 20261121, numRuns: 200 },
    )
  })
})

describe('WireGraphParser (a put checked a slice at a time)', () => {
  const graphOf = (nodes: Array<[string, Array<[string, unknown]>]>) => {
    const graph: Record<string, unknown> = {}
    for (const [soul, entries] of nodes) {
      const states: Record<string, unknown> = {}
      const wire: Record<string, unknown> = { _: { '#': soul, '>': states } }
      for (const [key, value] of entries) {
        Object.defineProperty(wire, key, { value, enumerable: true, writable: true, configurable: true })
        Object.defineProperty(states, key, { value: 1, enumerable: true, writable: true, configurable: true })
      }
      Object.defineProperty(graph, soul, { value: wire, enumerable: true, writable: true, configurable: true })
    }
    return graph
  }
  const run = (graph: unknown, per: number) => {
    const parser = new WireGraphParser(graph)
    let steps = 1
    while (!parser.step(per)) steps++
    return { nodes: parser.nodes, steps }
  }
  const outcome = (f: () => unknown) => {
    try {
      return { ok: f() }
    } catch (error) {
      return { err: (error as Error).message }
    }
  }

  it('gives the same nodes, or the same refusal, as parseWireGraph whatever the slice size (seeded)', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', '_', ''))
    const value = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.integer(),
      fc.constant(null),
      fc.constant({ '#': 'x' }),
      fc.constant({ bad: 1 }),
      fc.constant(Number.NaN),
    )
    const node = fc.tuple(fc.string({ minLength: 1, maxLength: 4 }), fc.array(fc.tuple(key, value), { maxLength: 12 }))
    fc.assert(
      fc.property(fc.array(node, { maxLength: 4 }), fc.integer({ min: 1, max: 7 }), (nodes, per) => {
        const graph = graphOf(nodes)
        const whole = outcome(() => parseWireGraph(graph).map((n) => [n.soul, n.keys, n.values, n.states]))
        const sliced = outcome(() => run(graph, per).nodes.map((n) => [n.soul, n.keys, n.values, n.states]))
        expect(sliced).toEqual(whole)
      }),
      { seed: 7, numRuns: 500 },
    )
  })

  it('reads a 10 000-key node in bounded steps and refuses it for a bad key met in its last step', () => {
    const entries: Array<[string, unknown]> = Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])
    expect(run(graphOf([['big', entries]]), 1000).steps).toBeGreaterThanOrEqual(10)
    entries.push(['last', { not: 'a link' }])
    expect(() => run(graphOf([['big', entries]]), 1000)).toThrow(/last/)
  })
})
