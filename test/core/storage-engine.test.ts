import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import { GraphNode } from '../../src/core/node.js'
import type { StorageAdapter } from '../../src/core/storage-contract.js'
import { createInstance } from '../../src/instance.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { applyWire, S, wireNode } from './helpers.js'

describe('engine over a storage adapter', () => {
  it('reads what an earlier instance stored, and merges against stored states', async () => {
    const storage = createMemoryStorage()
    const first = createEngine({ storage })
    await (await applyWire(first, wireNode('s', 'k', 'new', S + 5))).durable
    const second = createEngine({ storage })
    expect(second.peek('s')).toBeUndefined()
    // An older write must lose against the stored state even though memory is cold.
    const outcome = await applyWire(second, wireNode('s', 'k', 'old', S))
    expect(outcome.changed).toEqual([])
    expect((await second.read('s'))?.get('k')).toBe('new')
  })

  it('acknowledges a local write only once the storage has it', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const inner = createMemoryStorage()
    const slow: StorageAdapter = { ...inner, put: async (nodes) => (await gate, inner.put(nodes)) }
    const db = createInstance({ storage: slow })
    let acked = false
    db.get('a').put({ v: 1 }, () => (acked = true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(acked).toBe(false)
    release()
    await db.synced()
    expect(acked).toBe(true)
    expect((await inner.get('a'))?.get('v')).toBe(1)
  })

  it('reports a storage failure as the write’s error', async () => {
    const failing: StorageAdapter = { ...createMemoryStorage(), put: async () => Promise.reject(new Error('disk full')) }
    const db = createInstance({ storage: failing })
    const ack = await new Promise((resolve) => db.get('a').put({ v: 1 }, resolve))
    expect(ack).toEqual({ err: 'disk full' })
  })

  it('serves lexical key ranges', async () => {
    const engine = createEngine({ storage: createMemoryStorage() })
    const node = new GraphNode('lex')
    for (const key of ['apple', 'apricot', 'banana', 'cherry']) node.set(key, key.length, S)
    await (await engine.put([node], { kind: 'local', id: '1' })).durable
    expect((await engine.readRange('lex', { prefix: 'ap' }))?.keys).toEqual(['apple', 'apricot'])
    expect((await engine.readRange('lex', { gte: 'b', lte: 'c' }))?.keys).toEqual(['banana'])
    expect((await engine.readRange('lex', { reverse: true, limit: 2 }))?.keys).toEqual(['cherry', 'banana'])
    const cold = createEngine({ storage: engine.storage })
    expect((await cold.readRange('lex', { prefix: 'ap' }))?.keys).toEqual(['apple', 'apricot'])
  })
})
