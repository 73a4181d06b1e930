import { describe, expect, it } from 'vitest'
import type { PutOutcome } from '../../src/core/engine-types.js'
import { createEngine } from '../../src/core/engine.js'
import { GraphNode } from '../../src/core/node.js'
import type { StorageAdapter } from '../../src/core/storage-contract.js'
import { createInstance } from '../../src/instance.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { S } from './helpers.js'
import { waitUntil } from '../support/wait.js'

const CAP = 100

describe('memory bound: with storage behind it, memory is a bounded cache', () => {
  it('keeps at most maxMemoryNodes nodes, and every node still reads back intact', async () => {
    const storage = createMemoryStorage()
    const db = createInstance({ storage, maxMemoryNodes: CAP })
    for (let k = 0; k < 1000; k++) db.get(`n${k}`).put({ k, text: `t${k}` })
    await db.synced()
    // Trimming runs on each write, a bounded step at a time: the graph ends at the bound.
    expect(db.root.engine.size).toBeLessThanOrEqual(CAP)
    expect(await storage.souls()).toHaveLength(1000)
    for (const k of [0, 1, 500, 998, 999]) expect(await db.get(`n${k}`)).toMatchObject({ k, text: `t${k}` })
    const { data } = await db.get('n3').read()
    expect(data).toMatchObject({ k: 3, text: 't3' })
  })

  it('never lets go of a node with listeners: `on` keeps firing for it', async () => {
    const db = createInstance({ storage: createMemoryStorage(), maxMemoryNodes: CAP })
    const seen: unknown[] = []
    db.get('watched').on((data) => seen.push((data as { v?: number } | undefined)?.v))
    db.get('watched').put({ v: 1 })
    for (let k = 0; k < 1000; k++) db.get(`n${k}`).put({ k })
    await db.synced()
    expect(db.root.engine.peek('watched')?.get('v')).toBe(1)
    db.get('watched').put({ v: 2 })
    await db.synced()
    await waitUntil(() => seen.includes(2), 'the listener hears v: 2')
  })

  it('never drops a node whose write storage has not made durable yet', async () => {
    const inner = createMemoryStorage()
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    let gated = true
    const slow: StorageAdapter = {
      ...inner,
      put: async (nodes) => {
        if (gated) await gate
        return inner.put(nodes)
      },
    }
    const engine = createEngine({ storage: slow, maxMemoryNodes: CAP })
    const origin = { kind: 'local', id: 'w' } as const
    // A write is durable once its outcome's `durable` resolves, after the engine's own bookkeeping (trimming) for it.
    const durable = async (outcome: PutOutcome | Promise<PutOutcome>) => (await outcome).durable
    const first: Promise<void>[] = []
    for (let k = 0; k < 300; k++) first.push(durable(engine.apply([new GraphNode(`n${k}`, ['k'], [k], [S])], origin)))
    // Storage holds none of them yet: memory is the only copy, so all stay.
    expect(engine.size).toBe(300)
    gated = false
    release()
    await Promise.all(first)
    const more: Promise<void>[] = []
    for (let k = 300; k < 320; k++) more.push(durable(engine.apply([new GraphNode(`n${k}`, ['k'], [k], [S])], origin)))
    await Promise.all(more)
    expect(engine.size).toBeLessThanOrEqual(CAP)
    expect((await engine.read('n0'))?.get('k')).toBe(0)
  })

  it('HAM still compares against the stored state of a node memory let go of', async () => {
    const engine = createEngine({ storage: createMemoryStorage(), maxMemoryNodes: CAP })
    const origin = { kind: 'local', id: 'w' } as const
    await (await engine.apply([new GraphNode('s', ['k'], ['new'], [S + 5])], origin)).durable
    for (let k = 0; k < 500; k++) await (await engine.apply([new GraphNode(`n${k}`, ['k'], [k], [S])], origin)).durable
    expect(engine.peek('s')).toBeUndefined()
    const outcome = await engine.apply([new GraphNode('s', ['k'], ['old'], [S])], { kind: 'peer', peer: 'p' })
    expect(outcome.changed).toEqual([])
    expect((await engine.read('s'))?.get('k')).toBe('new')
  })

  it('without storage, memory is the data and is never trimmed', async () => {
    const db = createInstance({ maxMemoryNodes: CAP })
    for (let k = 0; k < 1000; k++) db.get(`n${k}`).put({ k })
    await db.synced()
    expect(db.root.engine.size).toBe(1000)
  })

  it('#7 is bounded in bytes too: 60 nodes of 6 MB stay within maxMemoryBytes, and read back intact', async () => {
    const bound = 32 * 1024 * 1024
    const engine = createEngine({ storage: createMemoryStorage(), maxMemoryBytes: bound })
    const origin = { kind: 'peer', peer: 'p', id: 'm' } as const
    const big = (k: number) => `${k}:`.padEnd(3 * 1024 * 1024, 'x') // 6 MiB as UTF-16
    for (let k = 0; k < 60; k++) await (await engine.apply([new GraphNode(`big${k}`, ['v'], [big(k)], [S])], origin)).durable
    const stats = engine.stats()
    expect(stats.memoryBytes).toBeLessThanOrEqual(bound)
    expect(stats.memoryNodes).toBeLessThanOrEqual(6)
    expect(stats.memoryNodes).toBeGreaterThan(0)
    expect((await engine.read('big0'))?.get('v')).toBe(big(0))
    // Accounting follows updates in place: a node that shrinks counts less.
    await (await engine.apply([new GraphNode('big59', ['v'], ['small'], [S + 1])], origin)).durable
    expect(engine.stats().memoryBytes).toBeLessThan(stats.memoryBytes)
  })

  it('byte accounting adds up: the estimate of what is held equals the sum over the nodes held', async () => {
    const { nodeBytes } = await import('../../src/core/memory-bound.js')
    const engine = createEngine({ storage: createMemoryStorage(), maxMemoryNodes: 50 })
    const origin = { kind: 'peer', peer: 'p', id: 'm' } as const
    for (let k = 0; k < 200; k++) {
      const soul = `n${k % 80}`
      await (await engine.apply([new GraphNode(soul, [`k${k % 7}`, 'link'], ['v'.repeat(k), { '#': `n${k}` }], [S + k, S + k])], origin)).durable
    }
    await engine.read('n3')
    let sum = 0
    for (let k = 0; k < 80; k++) {
      const node = engine.peek(`n${k}`)
      if (node !== undefined) sum += nodeBytes(node)
    }
    expect(engine.stats().memoryBytes).toBe(sum)
  })
})

describe('instance options for the engine bounds', () => {
  it('createInstance passes maxMemoryBytes, maxDeferred(Bytes) and maxFutureMs to the engine', async () => {
    const { createInstance } = await import('../../src/instance.js')
    const db = createInstance({ maxFutureMs: 1000, maxDeferred: 1 })
    const future = Date.now() + 60_000
    // A put stamped a minute ahead is past this instance's horizon: refused, nothing held.
    const { parseWireGraph } = await import('../../src/core/wire.js')
    const nodes = parseWireGraph({ f: { _: { '#': 'f', '>': { a: future } }, a: 1 } })
    await expect(Promise.resolve(db.root.engine.apply(nodes, { kind: 'peer', peer: {}, id: 'x' } as never))).rejects.toThrow()
    expect(db.root.engine.peek('f')).toBeUndefined()
    await db.close()
  })
})
