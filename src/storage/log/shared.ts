import { resolve } from 'node:path'
import type { StorageAdapter } from '../../core/storage-contract.js'
import { openLater } from '../open-later.js'
import { createLogStorage, type LogStorage } from './index.js'

interface OpenDirectory {
  opening: Promise<LogStorage>
  users: number
}

/** Directories open in this process, by absolute path, with how many instances use each. */
const openDirectories = new Map<string, OpenDirectory>()

/**
 * A log store in `dir` shared by every caller in this process, as stock
 * Gun's instances share `./radata`: usable at once (it opens in the
 * background) and closed when its last user closes. Each caller gets its
 * own view: get, put, souls and health. The future-state journal and the
 * change feed stay with the store itself, since several engines replaying
 * one journal would each apply it; such writes are acknowledged once due
 * and stored (the storage contract's rule without a journal).
 */
export function sharedLogStorage(dir: string): StorageAdapter {
  const key = resolve(dir)
  let entry = openDirectories.get(key)
  if (entry === undefined) {
    entry = { opening: createLogStorage({ dir: key }), users: 0 }
    openDirectories.set(key, entry)
    // A failed opening is reported to every call through the view; it must not also be an unhandled rejection.
    entry.opening.catch(() => openDirectories.delete(key))
  }
  entry.users++
  const shared = entry
  let closed = false
  const release = async (store: LogStorage) => {
    if (closed) return
    closed = true
    if (--shared.users > 0) return
    openDirectories.delete(key)
    await store.close()
  }
  return openLater(
    shared.opening.then(
      (store): StorageAdapter => ({
        get: (soul, range) => store.get(soul, range),
        getNow: (soul) => store.getNow(soul),
        put: (nodes) => store.put(nodes),
        souls: (range) => store.souls(range),
        health: () => store.health(),
        probe: () => store.probe(),
        close: () => release(store),
      }),
    ),
  )
}
