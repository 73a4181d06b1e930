import { describe, expect, it } from 'vitest'
import { createDeferredQueue, type DeferredWrite } from '../../src/core/deferred.js'
import { createEngine, JOURNAL_ORIGIN } from '../../src/core/engine.js'
import type { Engine, Origin } from '../../src/core/engine-types.js'
import { TrellisError } from '../../src/core/errors.js'
import { GraphNode } from '../../src/core/node.js'
import { parseWireGraph } from '../../src/core/wire.js'
import { S, wireNode } from './helpers.js'
import { enospc, eventually, journalDouble, storageDouble } from './storage-doubles.js'

const peerA = { name: 'A' }
const peerB = { name: 'B' }
const fromPeer = (peer: object, id = 'm'): Origin => ({ kind: 'peer', peer, id })

/** Resolves with the first change to `soul` (and its origin) the engine reports. */
function nextChange(engine: Engine, soul: string): Promise<{ node: GraphNode; origin: Origin }> {
  return new Promise((resolve) => {
    const stop = engine.onChange((changed, origin) => {
      const node = changed.find((n) => n.soul === soul)
      if (node === undefined) return
      stop()
      resolve({ node, origin })
    })
  })
}

/** Settled state of a promise right now (after pending microtasks ran). */
async function settledNow(promise: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending'
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  for (let i = 0; i < 10; i++) await Promise.resolve()
  return state
}

const put = (engine: Engine, soul: string, key: string, value: unknown, state: number, origin: Origin = fromPeer(peerA)) =>
  engine.put(parseWireGraph(wireNode(soul, key, value, state)), origin)

describe('deferred (future-state) writes: acknowledged means durable', () => {
  it('#1 a deferred write is acknowledged once journaled, survives a restart, and is applied and pushed when due', async () => {
    const j = journalDouble()
    const store = storageDouble(j.journal)
    const first = createEngine({ storage: store.storage })
    await first.ready
    j.hold()
    const outcome = await put(first, 'clock', 'k', 'from the future', Date.now() + 400)
    expect(outcome.deferred).toBe(1)
    // The acknowledgement waits for the journal entry.
    expect(await settledNow(outcome.durable)).toBe('pending')
    j.release()
    await outcome.durable
    expect([...j.entries.values()]).toMatchObject([{ soul: 'clock', key: 'k', value: 'from the future' }])
    // The process goes away before the write fell due.
    await first.close()

    const second = createEngine({ storage: store.storage })
    const seen = nextChange(second, 'clock')
    await second.ready
    expect(second.stats().deferred).toBe(1)
    const { node, origin } = await seen
    expect(node.get('k')).toBe('from the future')
    // Attributed to a peer nobody is, so a relay pushes it to every subscriber (a `storage` origin is not pushed).
    expect(origin).toEqual({ kind: 'peer', peer: JOURNAL_ORIGIN })
    expect((await store.inner.get('clock'))?.get('k')).toBe('from the future')
    await eventually(() => (j.entries.size === 0 ? true : undefined), 5000, 'journal entry removed')
    expect(second.stats().deferred).toBe(0)
    await second.close()
  })

  it('#1 without a journal on durable storage, the acknowledgement waits until the write fell due and was stored', async () => {
    const store = storageDouble()
    const engine = createEngine({ storage: store.storage })
    const outcome = await put(engine, 'clock', 'k', 'v', Date.now() + 300)
    expect(outcome.deferred).toBe(1)
    expect(await settledNow(outcome.durable)).toBe('pending')
    expect(await store.inner.get('clock')).toBeUndefined()
    await outcome.durable
    expect((await store.inner.get('clock'))?.get('k')).toBe('v')
    await engine.close()
  })

  it('#1 a journal entry that fails refuses the put: the write never applies', async () => {
    const j = journalDouble()
    const store = storageDouble(j.journal)
    const engine = createEngine({ storage: store.storage })
    j.fail(enospc())
    let heard = 0
    engine.onChange(() => heard++)
    const outcome = await put(engine, 'clock', 'k', 'v', Date.now() + 50)
    await expect(outcome.durable).rejects.toThrow(/ENOSPC/)
    expect(engine.stats().deferred).toBe(0)
    // Past its due time, nothing was applied: a second write that is due now proves time went on.
    await (await put(engine, 'other', 'k', 1, Date.now() + 100)).durable.catch(() => {})
    j.fail(undefined)
    const later = nextChange(engine, 'later')
    await (await put(engine, 'later', 'k', 1, Date.now() + 150)).durable
    await later
    expect(engine.peek('clock')).toBeUndefined()
    expect(heard).toBe(1)
    await engine.close()
  })

  it('#1 a due write storage refuses stays journaled and is retried until storage takes it', async () => {
    const j = journalDouble()
    const store = storageDouble(j.journal)
    const engine = createEngine({ storage: store.storage })
    const outcome = await put(engine, 'clock', 'k', 'v', Date.now() + 50)
    await outcome.durable
    store.refuse(enospc())
    const putsBefore = store.puts
    await eventually(() => (store.puts > putsBefore ? true : undefined), 5000, 'a first attempt')
    expect(j.entries.size).toBe(1)
    expect(engine.stats().deferred).toBe(1)
    const applied = nextChange(engine, 'clock')
    store.refuse(undefined)
    expect((await applied).node.get('k')).toBe('v')
    await eventually(() => (j.entries.size === 0 ? true : undefined), 5000, 'journal entry removed')
    await engine.close()
  })
})

describe('deferred writes: bounds and horizon', () => {
  it('a state past the horizon refuses the whole put, naming soul and key, and changes nothing', async () => {
    const engine = createEngine({ maxFutureMs: 60_000 })
    const graph = {
      ...wireNode('now', 'k', 'present', S),
      ...wireNode('far', 'k', 'too far', Date.now() + 120_000),
    }
    const error = await engine.put(parseWireGraph(graph), fromPeer(peerA)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as TrellisError).code).toBe('INVALID_STATE')
    expect((error as TrellisError).message).toContain('far.k')
    expect((error as TrellisError).message).toContain('horizon')
    expect(engine.peek('now')).toBeUndefined()
    expect(engine.stats()).toMatchObject({ deferred: 0, deferredRefusedHorizon: 1 })
  })

  it('a full queue (count) refuses the whole put and never evicts what it holds', async () => {
    const engine = createEngine({ maxDeferred: 3 })
    const soon = Date.now() + 200
    await put(engine, 'held', 'a', 1, soon + 1_000)
    await put(engine, 'held', 'b', 2, soon + 1_000)
    await put(engine, 'held', 'c', 3, soon + 1_000)
    const graph = { ...wireNode('now', 'k', 'present', S), ...wireNode('early', 'k', 'earlier', soon) }
    const error = await engine.put(parseWireGraph(graph), fromPeer(peerA)).catch((e: unknown) => e)
    expect((error as TrellisError).code).toBe('QUOTA')
    expect((error as TrellisError).message).toMatch(/Deferral queue full/)
    expect(engine.peek('now')).toBeUndefined()
    expect(engine.stats()).toMatchObject({ deferred: 3, deferredRefusedFull: 1 })
  })

  it('#5 the queue is bounded in bytes: large far-future values are refused past maxDeferredBytes', async () => {
    const bound = 20 * 1024 * 1024
    const engine = createEngine({ maxDeferredBytes: bound })
    const big = 'x'.repeat(3 * 1024 * 1024) // 6 MiB as UTF-16
    let accepted = 0
    let refused = 0
    for (let i = 0; i < 40; i++) {
      try {
        await put(engine, `big${i}`, 'v', big, Date.now() + 3_600_000)
        accepted++
      } catch (error) {
        expect((error as TrellisError).code).toBe('QUOTA')
        refused++
      }
    }
    expect(accepted).toBe(3)
    expect(refused).toBe(37)
    expect(engine.stats().deferredBytes).toBeLessThanOrEqual(bound)
    await engine.close()
  })

  it('#9 a full queue of 100 000 far-future keys refuses earlier ones at once: no scan, splice or sort, nothing evicted', async () => {
    const engine = createEngine({ maxDeferred: 100_000, maxDeferredBytes: Infinity })
    const far = Date.now() + 3_600_000
    for (let batch = 0; batch < 10; batch++) {
      const node = new GraphNode(`far${batch}`)
      for (let i = 0; i < 10_000; i++) node.set(`k${i}`, i, far + i)
      await engine.put([node], fromPeer(peerA))
    }
    expect(engine.stats().deferred).toBe(100_000)
    let refused = 0
    for (let i = 0; i < 1000; i++) {
      await put(engine, 'early', `k${i}`, i, Date.now() + 60_000).catch((error: unknown) => {
        if ((error as TrellisError).code === 'QUOTA') refused++
      })
    }
    expect(refused).toBe(1000)
    expect(engine.stats()).toMatchObject({ deferred: 100_000, deferredRefusedFull: 1000 })
    await engine.close()
  })

  it('#9 inserts are heap pushes: 1000 earlier writes into a heap of 100 000 read O(log n) entries each, and come out in due order', async () => {
    let now = 0
    const released: number[] = []
    let done: () => void = () => {}
    const allOut = new Promise<void>((resolve) => (done = resolve))
    const queue = createDeferredQueue<Origin>(
      200_000,
      Infinity,
      () => now,
      (due) => {
        for (const w of due) released.push(w.state)
        if (released.length >= 1000) done()
      },
    )
    let reads = 0
    const item = (state: number, counted: boolean): DeferredWrite<Origin> => {
      const w: DeferredWrite<Origin> = {
        id: '',
        soul: 's',
        key: `k${state}`,
        value: 1,
        state,
        origin: { kind: 'peer', peer: peerA },
        due: state,
        bytes: 1,
        cancelled: false,
        waiter: undefined,
      }
      if (!counted) return w
      return new Proxy(w, {
        get(target, prop, receiver) {
          if (prop === 'due') reads++
          return Reflect.get(target, prop, receiver) as unknown
        },
      })
    }
    for (let i = 0; i < 100_000; i++) queue.add(item(1e12 + i, false))
    for (let i = 0; i < 1000; i++) queue.add(item(1000 - i, true))
    expect(queue.size).toBe(101_000)
    // log2(101 000) ≈ 17 levels, a couple of reads per level; a scan of the heap would be 100 000 per insert.
    expect(reads).toBeLessThan(1000 * 50)
    now = 1000
    queue.add(item(0, false)) // due now: the timer fires at once and releases everything due
    await allOut
    queue.clear()
    expect(released.slice(0, 1001)).toEqual([...released.slice(0, 1001)].sort((a, b) => a - b))
  })
})

describe('#12 deferred writes that fall due together keep their own writer', () => {
  it('two writers: each key is attributed to its own peer, so echo suppression keeps neither from the other', async () => {
    const engine = createEngine()
    const due = Date.now() + 150
    const heard: { origin: Origin; keys: string[] }[] = []
    engine.onChange((changed, origin) => {
      if (changed.some((n) => n.soul === 'room')) heard.push({ origin, keys: changed.flatMap((n) => n.keys) })
    })
    await put(engine, 'room', 'fromA', 'a', due, fromPeer(peerA, 'ma'))
    await put(engine, 'room', 'fromB', 'b', due, fromPeer(peerB, 'mb'))
    await eventually(() => (heard.length === 2 ? true : undefined), 5000, 'both writes applied')
    const byPeer = new Map(heard.map((h) => [(h.origin as { peer: unknown }).peer, h.keys]))
    expect(byPeer.get(peerA)).toEqual(['fromA'])
    expect(byPeer.get(peerB)).toEqual(['fromB'])
    expect(engine.peek('room')?.get('fromA')).toBe('a')
    expect(engine.peek('room')?.get('fromB')).toBe('b')
  })
})
