/**
 * Where an instance's writes stand:
 * - `'offline'`: peers are configured but none is connected; writes wait (durably, where the store keeps an offline queue).
 * - `'syncing'`: connected (or no peers configured), and writes still wait for their acknowledgement.
 * - `'synced'`: every write so far is acknowledged (by a peer when there are peers, else by storage).
 */
export type SyncStatus = 'offline' | 'syncing' | 'synced'

/** Called with the new status each time it changes. */
export type SyncStatusListener = (status: SyncStatus) => void

export interface SyncStatusWatch {
  /** The status now, computed afresh. */
  readonly status: SyncStatus
  /** Something it depends on may have changed: tell listeners if the status did. */
  changed(): void
  /** Call `listener` on every change from now on; returns the unsubscribe. */
  subscribe(listener: SyncStatusListener): () => void
}

/** Change notifications over a status computed on demand; nothing is computed while nobody listens. */
export function createSyncStatusWatch(compute: () => SyncStatus): SyncStatusWatch {
  const listeners = new Set<SyncStatusListener>()
  let last: SyncStatus | undefined
  return {
    get status() {
      return compute()
    },
    changed() {
      if (listeners.size === 0) return
      const now = compute()
      if (now === last) return
      last = now
      for (const listener of [...listeners]) {
        try {
          listener(now)
        } catch (error) {
          // reason: one failing listener must not keep the others from hearing; surfaced as an uncaught error.
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('onSyncStatus(listener): listener must be a function')
      if (listeners.size === 0) last = compute()
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
