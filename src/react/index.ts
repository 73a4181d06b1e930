/**
 * `trellis/react`: React 19 hooks over a Trellis database (see docs/react.md).
 *
 *   const db = createDb<Schema>({ peers: [location.origin + '/gun'] })
 *   const todos = useMap(db.get('todos'))          // rows in key order, one row re-rendered per change
 *   const todo = useNode(db.get('todos').get(id))  // live data at one place
 *   const status = useSyncStatus(db)               // 'offline' | 'syncing' | 'synced', live
 *   const { loggedIn, auth } = useUser(db)         // SEA account
 */
export { TrellisProvider, useDb, type AnyDb, type TrellisProviderProps } from './context.js'
export { useNode, useNodeSuspense } from './use-node.js'
export { useMap, type MapOptions } from './use-map.js'
export type { MapRow } from './map-store.js'
export { useSyncStatus } from './use-sync-status.js'
export { useUser, type UserState } from './use-user.js'
