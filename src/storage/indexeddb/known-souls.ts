import { NODES } from './open.js'

/**
 * Which souls the database may hold, so that `get` of a soul it certainly
 * does not hold answers at once instead of queueing behind the write
 * transactions in flight (IndexedDB starts a read only after every earlier
 * overlapping readwrite transaction finished; the engine loads each new soul
 * before writing it, so without this, writes of new souls went one commit
 * each).
 *
 * Loaded in the background on this page's first write (the keys only): only
 * writes need it, and a page that only reads at startup (a cold load of
 * thousands of nodes) should not wait behind reading every key. Until then,
 * and for ever once more than `max` souls are known, it answers "maybe" and
 * every read goes to IndexedDB. A soul is added when a put for it is queued (before it
 * can be committed) and never removed, so "absent" is always right for this
 * page's writes; other pages on the same origin announce theirs over a
 * BroadcastChannel (a read racing that message may miss a soul written by
 * another tab a moment ago, as it would a moment earlier).
 */
export interface KnownSouls {
  /** False only when the soul is certainly not stored. */
  mayHold(soul: string): boolean
  /** Souls about to be written (by this page); the first call starts loading the stored souls. */
  add(souls: Iterable<string>): void
  /** Tell other pages about souls this page committed. */
  announce(souls: readonly string[]): void
  close(): void
}

export function createKnownSouls(name: string, max: number, database: () => Promise<IDBDatabase>): KnownSouls {
  let souls: Set<string> | undefined = new Set()
  let loading = false
  let loaded = false
  const channel = typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(`trellis-indexeddb:${name}`)

  /** Read the stored souls; answers "absent" only after this finished. */
  const load = (db: IDBDatabase) => {
    try {
      const store = db.transaction(NODES, 'readonly').objectStore(NODES)
      const counting = store.count()
      counting.onsuccess = () => {
        if (counting.result > max) {
          souls = undefined
          return
        }
        const keys = store.getAllKeys()
        keys.onsuccess = () => {
          add(keys.result as string[])
          loaded = souls !== undefined
        }
      }
    } catch {
      souls = undefined
    }
  }

  const add = (list: Iterable<string>) => {
    if (souls === undefined) return
    for (const soul of list) souls.add(soul)
    // Past the bound the index is dropped, not trimmed: a partial index could not say "absent".
    if (souls.size > max) souls = undefined
  }

  if (channel !== undefined)
    channel.onmessage = (event: MessageEvent<unknown>) => Array.isArray(event.data) && add(event.data.filter((s) => typeof s === 'string'))

  return {
    mayHold: (soul) => !loaded || souls === undefined || souls.has(soul),
    add(list) {
      add(list)
      if (loading) return
      loading = true
      // A database that failed to open fails every call already; the index just stays unloaded.
      database().then(load, () => {})
    },
    announce(list) {
      if (channel !== undefined && souls !== undefined && list.length > 0) channel.postMessage(list)
    },
    close() {
      channel?.close()
      souls = undefined
    },
  }
}
