import { useSyncExternalStore } from 'react'
import { type AnyDb, useGivenOrContextDb } from './context.js'
import { type SyncStatus, syncStatusStore } from './sync-status.js'

/**
 * Where the database stands with its peers: `state` (`local`, `offline`, `syncing`, `synced`),
 * connected `peers` and `pending` writes; re-renders only when one of them changes. Uses `db`, or
 * the {@link TrellisProvider}'s database.
 *
 *   const { state, pending } = useSyncStatus()
 *   return <span>{state === 'offline' ? `offline, ${pending} to send` : state}</span>
 */
export function useSyncStatus(db?: AnyDb): SyncStatus {
  const store = syncStatusStore(useGivenOrContextDb(db, 'useSyncStatus'))
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}
