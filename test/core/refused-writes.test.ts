import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import type { Engine, Origin } from '../../src/core/engine-types.js'
import { GraphNode } from '../../src/core/node.js'
import { parseWireGraph } from '../../src/core/wire.js'
import { S, wireNode } from './helpers.js'
import { enospc, storageDouble } from './storage-doubles.js'

const peer: Origin = { kind: 'peer', peer: { name: 'writer' }, id: 'm' }
const put = (engine: Engine, soul: string, key: string, value: unknown, state: number) => engine.put(parseWireGraph(wireNode(soul, key, value, state)), peer)

describe('#4 a write storage refused is visible to no one', () => {
  it('listeners never hear it, reads never return it, memory lets go of it, its ack fails', async () => {
    const store = storageDouble()
    const engine = createEngine({ storage: store.storage })
    await (await put(engine, 'doc', 'k', 'committed', S)).durable
    const heard: unknown[] = []
    engine.watch('doc', (diff) => heard.push(diff.get('k')))
    engine.onChange((changed) => heard.push(changed[0]?.get('k')))

    store.refuse(enospc())
    const outcome = await put(engine, 'doc', 'k', 'refused', S + 1)
    await expect(outcome.durable).rejects.toThrow(/ENOSPC/)
    expect(heard).toEqual([])
    expect((await engine.read('doc'))?.get('k')).toBe('committed')
    expect((await engine.readRange('doc', { prefix: 'k' }))?.get('k')).toBe('committed')
    expect(engine.peekCommitted('doc')?.get('k') ?? (await engine.read('doc'))?.get('k')).toBe('committed')
    // Rolled back: memory holds no trace of it (the node is read back from storage when needed).
    expect(engine.peek('doc')?.get('k')).not.toBe('refused')
    expect(engine.stats().soulsInFlight).toBe(0)
  })

  it('a new soul only a refused write created does not exist for anyone', async () => {
    const store = storageDouble()
    const engine = createEngine({ storage: store.storage })
    store.refuse(enospc())
    const outcome = await put(engine, 'ghost', 'k', 'v', S)
    await expect(outcome.durable).rejects.toThrow(/ENOSPC/)
    expect(engine.peek('ghost')).toBeUndefined()
    expect(await engine.read('ghost')).toBeUndefined()
    expect(await engine.souls({})).toEqual([])
  })

  it('while a write is in flight, readers see the committed node; listeners hear only once it is durable', async () => {
    const store = storageDouble()
    const engine = createEngine({ storage: store.storage })
    await (await put(engine, 'doc', 'k', 'old', S)).durable
    const heard: unknown[] = []
    engine.watch('doc', (diff) => heard.push(diff.get('k')))
    store.stall()
    const outcome = await put(engine, 'doc', 'k', 'new', S + 1)
    expect(engine.peek('doc')?.get('k')).toBe('new') // this process's own view
    expect((await engine.read('doc'))?.get('k')).toBe('old')
    expect((await engine.readRange('doc', {}))?.get('k')).toBe('old')
    expect(engine.peekCommitted('doc')?.get('k')).toBe('old')
    expect(heard).toEqual([])
    store.unstall()
    await outcome.durable
    expect(heard).toEqual(['new'])
    expect((await engine.read('doc'))?.get('k')).toBe('new')
    expect(engine.peekCommitted('doc')?.get('k')).toBe('new')
  })

  it('a stalled write that storage then refuses: never heard, and later writes merge against what storage holds', async () => {
    const store = storageDouble()
    const engine = createEngine({ storage: store.storage })
    await (await put(engine, 'doc', 'k', 'committed', S)).durable
    const heard: unknown[] = []
    engine.onChange((changed) => heard.push(changed[0]?.get('k')))
    store.stall()
    const refused = await put(engine, 'doc', 'k', 'refused', S + 10)
    // A second write to the soul while the first is in flight: it waits with it.
    const second = engine.put(parseWireGraph(wireNode('doc', 'other', 'x', S + 1)), peer)
    store.refuse(enospc())
    store.unstall()
    await expect(refused.durable).rejects.toThrow(/ENOSPC/)
    await expect((await second).durable).rejects.toThrow(/ENOSPC/)
    store.refuse(undefined)
    // Older than the refused state, newer than the committed one: it must win (it would lose to the refused value).
    const third = await put(engine, 'doc', 'k', 'after', S + 5)
    await third.durable
    expect(third.changed).toHaveLength(1)
    expect((await engine.read('doc'))?.get('k')).toBe('after')
    expect((await store.inner.get('doc'))?.get('k')).toBe('after')
    expect(heard).toEqual(['after'])
  })

  it('without storage (memory is the store), listeners hear at once', () => {
    const engine = createEngine()
    const heard: unknown[] = []
    engine.onChange((changed) => heard.push(changed[0]?.get('k')))
    const node = new GraphNode('doc')
    node.set('k', 'v', S)
    engine.apply([node], { kind: 'local', id: '1' })
    expect(heard).toEqual(['v'])
  })
})
