import type { StorageAdapter } from '../../core/storage-contract.js'
import { createMemoryStorage } from '../memory.js'
import { createIndexedDbStorage, type IndexedDbStorageOptions } from './adapter.js'

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
  let chosen: StorageAdapter | undefined
  const choosing: Promise<StorageAdapter> = idb.ready.then(
    () => (chosen = idb),
    (error: unknown) => {
      warn(`trellis: ${error instanceof Error ? error.message : String(error)}; keeping data in memory only (it will not survive a reload)`)
      return (chosen = createMemoryStorage())
    },
  )
  // Once chosen, calls go straight through; before, they queue on the choice (promise reactions keep their order).
  const store = (): StorageAdapter | Promise<StorageAdapter> => chosen ?? choosing
  const call = <T>(use: (target: StorageAdapter) => Promise<T>): Promise<T> => {
    const target = store()
    return target instanceof Promise ? target.then(use) : use(target)
  }
  return {
    get: (soul, range) => call((s) => s.get(soul, range)),
    put: (nodes) => call((s) => s.put(nodes)),
    souls: (range) => call((s) => s.souls(range)),
    close: () => call((s) => s.close()),
    health: () => chosen?.health?.() ?? { ok: true },
    pending: {
      add: (writes) => call((s) => (s.pending as NonNullable<StorageAdapter['pending']>).add(writes)),
      remove: (ids) => call((s) => (s.pending as NonNullable<StorageAdapter['pending']>).remove(ids)),
      list: () => call((s) => (s.pending as NonNullable<StorageAdapter['pending']>).list()),
    },
  }
}
