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

  it('merges against stored states the same way whether the store answers synchronously (getNow) or only with promises', async () => {
    for (const synchronous of [true, false]) {
      const inner = createMemoryStorage()
      await inner.put([new GraphNode('s', ['k', 'j'], ['new', 'kept'], [S + 5, S])])
      const storage: StorageAdapter = synchronous ? inner : { ...inner, getNow: undefined }
      const engine = createEngine({ storage })
      const outcome = engine.apply([new GraphNode('s', ['k', 'n'], ['old', 'added'], [S, S + 1])], { kind: 'peer', peer: 'x' })
      // A synchronous store keeps the write synchronous; a promise store makes it wait for the load.
      expect(outcome instanceof Promise).toBe(!synchronous)
      const { changed } = await outcome
      expect(changed.map((node) => node.keys)).toEqual([['n']])
      const node = engine.peek('s')
      expect([node?.get('k'), node?.get('j'), node?.get('n')]).toEqual(['new', 'kept', 'added'])
    }
  })

  it('a store whose synchronous read throws fails the write, and nothing of it is applied', async () => {
    const inner = createMemoryStorage()
    const broken: StorageAdapter = {
      ...inner,
      getNow: () => {
        throw new Error('corrupt segment')
      },
    }
    const engine = createEngine({ storage: broken })
    await expect(Promise.resolve(engine.apply([new GraphNode('s', ['k'], [1], [S])], { kind: 'local', id: '1' }))).rejects.toThrow('corrupt segment')
    expect(engine.peek('s')).toBeUndefined()
    await expect(engine.read('s')).rejects.toThrow('corrupt segment')
  })

  it('acknowledges a local write only once the storage has it', async () => {
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const inner = createMemoryStorage()
    const slow: StorageAdapter = {
      ...inner,
      put: async (nodes) => {
        if (nodes.some((node) => node.soul === 'a')) await gate
        return inner.put(nodes)
      },
    }
    const db = createInstance({ storage: slow })
    let acked = false
    db.get('a').put({ v: 1 }, () => (acked = true))
    // Barrier: a later write through the same pipeline whose storage is not held; an ack that did not wait for
    // storage would have come before this one's.
    await new Promise((resolve) => db.get('b').put({ v: 1 }, resolve))
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
