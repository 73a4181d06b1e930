import { useSyncExternalStore } from 'react'
import type { SyncStatus } from '../core/chain/sync-status.js'
import { type AnyDb, useGivenOrContextDb } from './context.js'
import { syncStatusStore } from './sync-status.js'

/**
 * Where the database's writes stand, live: `'offline'` (peers configured, none connected),
 * `'syncing'` (writes waiting for their ack) or `'synced'` — `db.syncStatus`, re-rendering on each
 * change (`db.onSyncStatus`) and only then. Uses `db`, or the {@link TrellisProvider}'s database.
 *
 *   const status = useSyncStatus()
 *   return <span>{status === 'offline' ? 'offline: changes are kept and sent later' : status}</span>
 */
export function useSyncStatus(db?: AnyDb): SyncStatus {
  const store = syncStatusStore(useGivenOrContextDb(db, 'useSyncStatus'))
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}
