import type { PendingJournal, PendingWrite, StorageAdapter } from '../../src/core/storage-contract.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { waitUntil } from '../support/wait.js'

/** A pending journal kept in a Map that outlives engines (a "restart" reuses it); `hold()` keeps adds waiting. */
export function journalDouble() {
  const entries = new Map<string, PendingWrite>()
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  let failing: Error | undefined
  const journal: PendingJournal = {
    async add(writes) {
      if (gate !== undefined) await gate
      if (failing !== undefined) throw failing
      for (const w of writes) entries.set(w.id, { ...w })
    },
    async remove(ids) {
      for (const id of ids) entries.delete(id)
    },
    async list() {
      return [...entries.values()].map((w) => ({ ...w }))
    },
  }
  return {
    entries,
    journal,
    /** Adds wait until `release()`. */
    hold() {
      gate = new Promise((resolve) => (open = resolve))
    },
    release() {
      gate = undefined
      open?.()
    },
    fail(error: Error | undefined) {
      failing = error
    },
  }
}

/**
 * The memory store with an optional journal and a switch that makes every
 * write fail (as a full disk would) or stall; closing it keeps the data, so
 * a second engine over it is a restart.
 */
export function storageDouble(journal?: PendingJournal) {
  const inner = createMemoryStorage()
  let refusal: Error | undefined
  let stalled: (() => void)[] | undefined
  let puts = 0
  const storage: StorageAdapter = {
    get: inner.get,
    getNow: inner.getNow,
    souls: inner.souls,
    put(nodes) {
      puts++
      if (refusal !== undefined) return Promise.reject(refusal)
      if (stalled !== undefined) {
        const waiting = stalled
        return new Promise<void>((resolve) => waiting.push(resolve)).then(() => (refusal !== undefined ? Promise.reject(refusal) : inner.put(nodes)))
      }
      return inner.put(nodes)
    },
    async close() {},
    pending: journal,
    health: () => (refusal === undefined ? { ok: true } : { ok: false, error: refusal.message }),
  }
  return {
    storage,
    inner,
    get puts() {
      return puts
    },
    refuse(error: Error | undefined) {
      refusal = error
    },
    /** Writes wait until `unstall()`; they then succeed or fail as `refuse` says at that moment. */
    stall() {
      stalled = []
    },
    unstall() {
      const waiting = stalled ?? []
      stalled = undefined
      for (const go of waiting) go()
    },
  }
}

export function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
}

/** Resolve with the first value `check` returns that is not undefined; reject after `ms`. */
export function eventually<T>(check: () => T | undefined, ms = 5000, what = 'condition'): Promise<T> {
  return waitUntil(check, what, ms)
}
