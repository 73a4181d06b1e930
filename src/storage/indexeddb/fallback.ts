import type { StorageAdapter } from '../../core/storage-contract.js'
import { createMemoryStorage } from '../memory.js'
import { openLater } from '../open-later.js'
import { createIndexedDbStorage, type IndexedDbStorageOptions } from './adapter.js'

/** Options of `createBrowserStorage`: the IndexedDB store's, and how to warn when memory is used instead. */
export interface BrowserStorageOptions extends IndexedDbStorageOptions {
  /** Told once when IndexedDB is unavailable and memory is used instead. Default: `console.warn`. */
  warn?: (message: string) => void
}

/**
 * The browser entries' default store: IndexedDB when it opens, else memory
 * with one warning (private modes and blocked storage have no IndexedDB;
 * the page still works, its data just does not survive a reload). Calls made
 * before the choice is known wait for it, in the order they were made.
 */
export function createBrowserStorage(options: BrowserStorageOptions = {}): StorageAdapter {
  const idb = createIndexedDbStorage(options)
  const warn = options.warn ?? ((message: string) => console.warn(message))
  const store = openLater(
    idb.ready.then(
      () => idb,
      (error: unknown) => {
        warn(`trellis: ${error instanceof Error ? error.message : String(error)}; keeping data in memory only (it will not survive a reload)`)
        return createMemoryStorage()
      },
    ),
  )
  // The engine takes the journal as it starts, before the choice is known: IndexedDB's, or nothing over memory
  // (where no write survives a reload anyway).
  store.pending = {
    add: (writes) => idb.ready.then(() => idb.pending.add(writes), ignore),
    remove: (ids) => idb.ready.then(() => idb.pending.remove(ids), ignore),
    list: () =>
      idb.ready.then(
        () => idb.pending.list(),
        () => [],
      ),
  }
  // The offline queue likewise: over memory there is nothing to resend after a reload.
  store.unsent = {
    add: (write) => idb.ready.then(() => idb.unsent.add(write), ignore),
    remove: (id) => idb.ready.then(() => idb.unsent.remove(id), ignore),
    list: () =>
      idb.ready.then(
        () => idb.unsent.list(),
        () => [],
      ),
  }
  return store
}

const ignore = () => undefined
