import { describe, expect, it } from 'vitest'
import type { Chain } from '../../src/core/chain/chain.js'
import { createDb } from '../../src/index.js'
import { createDb as createNodeDb } from '../../src/index.node.js'
import { ownChain, pathKey, runtimeChain } from '../../src/react/chain-handle.js'
import { firstRead, forgetFirstRead } from '../../src/react/first-read.js'
import { createMapStore, type MapRow } from '../../src/react/map-store.js'
import { createNodeStore } from '../../src/react/node-store.js'
import { sameData } from '../../src/react/same-data.js'
import { syncStatusStore } from '../../src/react/sync-status.js'
import { waitUntil } from '../support/wait.js'

/**
 * The stores under trellis/react's hooks, without React: what `useSyncExternalStore` would see.
 * (The hooks themselves run in Chromium: test/browser/react-hooks.test.ts.)
 */
const chainOf = (chain: unknown) => chain as Chain
const putNow = (chain: { put(data: never, ack: (ack: unknown) => void): unknown }, data: unknown) => new Promise((done) => chain.put(data as never, done))

describe('map store (useMap)', () => {
  it('lists items in key order, replaces only the row that changed, skips same-value re-puts, drops deleted items', async () => {
    const db = createDb({ indexedDb: false })
    const store = createMapStore(chainOf(db.get('items')), 100)
    let changes = 0
    const stop = store.subscribe(() => changes++)
    for (const key of ['c', 'a', 'b']) await putNow(db.get('items').get(key), { title: key })
    const first = await waitUntil(() => store.getSnapshot().length === 3 && store.getSnapshot(), 'three rows')
    expect(first.map((row) => row.key)).toEqual(['a', 'b', 'c'])
    expect(store.getSnapshot()).toBe(first) // a stable snapshot while nothing changed

    await putNow(db.get('items').get('b'), { title: 'B' })
    const second = await waitUntil(() => store.getSnapshot() !== first && store.getSnapshot(), 'b changed')
    expect(second[0]).toBe(first[0])
    expect(second[2]).toBe(first[2])
    expect(second[1].value).toMatchObject({ title: 'B' })

    const seen = changes
    await putNow(db.get('items').get('a'), { title: 'a' })
    await putNow(db.get('items'), { c: null })
    const third = await waitUntil(() => store.getSnapshot().length === 2 && store.getSnapshot(), 'c deleted')
    expect(third.map((row: MapRow<unknown>) => row.key)).toEqual(['a', 'b'])
    expect(third[0]).toBe(first[0]) // the same-value re-put of a kept its row
    expect(changes).toBe(seen + 1) // ... and told nobody
    stop()
    await db.close()
  })

  it('keeps at most max rows: the largest keys', async () => {
    const db = createDb({ indexedDb: false })
    const store = createMapStore(chainOf(db.get('log')), 2)
    const stop = store.subscribe(() => {})
    for (const key of ['k1', 'k3', 'k2', 'k4']) await putNow(db.get('log').get(key), { n: key })
    await waitUntil(() => store.getSnapshot().some((row) => row.key === 'k4'), 'k4 arrives')
    expect(store.getSnapshot().map((row) => row.key)).toEqual(['k3', 'k4'])
    stop()
    await db.close()
  })
})

describe('node store (useNode)', () => {
  it('follows one place and keeps its snapshot for the same values', async () => {
    const db = createDb({ indexedDb: false })
    const store = createNodeStore(chainOf(db.get('profile')), undefined)
    let changes = 0
    const stop = store.subscribe(() => changes++)
    expect(store.getSnapshot()).toBeUndefined()
    await putNow(db.get('profile'), { name: 'Ann' })
    const ann = await waitUntil(() => store.getSnapshot() as Record<string, unknown> | undefined, 'Ann arrives')
    expect(ann).toMatchObject({ name: 'Ann' })
    await putNow(db.get('profile'), { name: 'Ann' })
    await putNow(db.get('profile'), { name: 'Bo' })
    await waitUntil(() => (store.getSnapshot() as { name?: string } | undefined)?.name === 'Bo', 'Bo arrives')
    expect(changes).toBe(2)
    stop()
    // The app's own listener on the chain it passed in is not stopped by the hook's unsubscribe.
    const chain = db.get('profile')
    const heard: unknown[] = []
    chain.on((data) => heard.push(data))
    const second = createNodeStore(chainOf(chain), undefined)
    second.subscribe(() => {})()
    await putNow(db.get('profile'), { name: 'Cy' })
    await waitUntil(() => heard.some((data) => (data as { name?: string }).name === 'Cy'), 'the app listener hears Cy')
    await db.close()
  })

  it('reads a deleted place as undefined', async () => {
    const db = createDb({ indexedDb: false })
    const store = createNodeStore(chainOf(db.get('people').get('ann')), undefined)
    const stop = store.subscribe(() => {})
    await putNow(db.get('people').get('ann'), { name: 'Ann' })
    await waitUntil(() => store.getSnapshot(), 'Ann arrives')
    await putNow(db.get('people'), { ann: null })
    await waitUntil(() => store.getSnapshot() === undefined || undefined, 'Ann is gone')
    stop()
    await db.close()
  })
})

describe('helpers', () => {
  it('sameData compares values and links, not metadata', () => {
    expect(sameData({ a: 1, _: { '#': 'x', '>': { a: 1 } } }, { a: 1, _: { '#': 'x', '>': { a: 2 } } })).toBe(true)
    expect(sameData({ a: { '#': 's' } }, { a: { '#': 's' } })).toBe(true)
    expect(sameData({ a: { '#': 's' } }, { a: { '#': 't' } })).toBe(false)
    expect(sameData({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(sameData({ a: 1, c: 3 }, { a: 1, b: 3 })).toBe(false)
    expect(sameData('x', 'x')).toBe(true)
    expect(sameData(undefined, null)).toBe(false)
  })

  it('pathKey names a place whatever object or characters: equal paths equal keys, others differ', () => {
    const db = createDb({ indexedDb: false })
    const key = (chain: unknown) => pathKey(chainOf(chain))
    expect(key(db.get('a').get('b'))).toBe(key(db.get('a').get('b')))
    expect(key(db.get('a').get('b'))).toBe(key(db.path('a/b')))
    expect(key(db.get('a').get('b'))).not.toBe(key(db.get('a/b' as 'a')))
    expect(key(db.get('a').get('b.c' as never))).not.toBe(
      key(
        db
          .get('a')
          .get('b')
          .get('c' as never),
      ),
    )
    const chain = chainOf(db.get('a'))
    expect(ownChain(chain)).not.toBe(chain)
    expect(pathKey(ownChain(chain))).toBe(pathKey(chain))
  })

  it('a hook handed something that is not a chain says so', () => {
    expect(() => runtimeChain({ get() {} }, 'useNode')).toThrow(/useNode\(\) needs a chain from trellis.*got Object/)
    expect(() => runtimeChain(undefined, 'useMap')).toThrow(/useMap\(\) needs a chain.*got undefined/)
  })

  it('firstRead gives one promise per place until forgotten', async () => {
    const db = createDb({ indexedDb: false })
    await putNow(db.get('lazy'), { v: 1 })
    const chain = chainOf(db.get('lazy'))
    const read = firstRead(chain, pathKey(chain))
    expect(firstRead(chain, pathKey(chain))).toBe(read)
    expect(await read).toMatchObject({ v: 1 })
    forgetFirstRead(chain.root, pathKey(chain))
    expect(firstRead(chain, pathKey(chain))).not.toBe(read)
  })
})

describe('sync status store (useSyncStatus)', () => {
  it("is the database's syncStatus, one store per database, hearing onSyncStatus", async () => {
    const local = createDb({ indexedDb: false })
    expect(syncStatusStore(local).getSnapshot()).toBe('synced')
    expect(syncStatusStore(local)).toBe(syncStatusStore(local)) // a stable subscribe: React does not resubscribe
    const offline = createNodeDb({ peers: ['ws://127.0.0.1:9/gun'] })
    const store = syncStatusStore(offline)
    const stop = store.subscribe(() => {})
    await waitUntil(() => store.getSnapshot() === 'offline', 'offline: nobody listens on port 9')
    expect(store.getSnapshot()).toBe(offline.syncStatus)
    stop()
    await local.close()
    await offline.close()
  })
})
