import type { SyncStatus } from '../core/chain/sync-status.js'
import type { AnyDb } from './context.js'
import type { ExternalStore } from './store.js'

const stores = new WeakMap<AnyDb, ExternalStore<SyncStatus>>()

/**
 * The database's own sync status as a store: `onSyncStatus` subscribes, `syncStatus` is the
 * snapshot (a string, so equal snapshots while it is unchanged). One store per database, so that
 * `subscribe` keeps its identity across renders and React does not resubscribe each time.
 */
export function syncStatusStore(db: AnyDb): ExternalStore<SyncStatus> {
  let store = stores.get(db)
  if (store === undefined) stores.set(db, (store = { subscribe: (changed) => db.onSyncStatus(() => changed()), getSnapshot: () => db.syncStatus }))
  return store
}
