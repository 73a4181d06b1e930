import type { AnyDb } from './context.js'
import { runtimeChain } from './chain-handle.js'
import { createLazyStore, type ExternalStore, pollWhileSubscribed } from './store.js'

/** Where a database stands with its peers, as {@link useSyncStatus} reports it. */
export interface SyncStatus {
  /**
   * `local`: no peers configured (storage only); `offline`: peers configured, none connected;
   * `syncing`: connected, local writes waiting for an ack; `synced`: connected, nothing waiting.
   */
  readonly state: 'local' | 'offline' | 'syncing' | 'synced'
  /** Peers connected now (0 while the browser reports itself offline). */
  readonly peers: number
  /** Local writes waiting for their acknowledgement (`db.pending`). */
  readonly pending: number
}

/** How often the derived status is re-read while a component shows it. */
const POLL_MS = 250

/**
 * A database that reports its own sync status (the `syncStatus`/`onSyncStatus` pair being added
 * to the instance). When the database has it, the hook uses it as is; until then the status is
 * derived below.
 */
interface ReportsSyncStatus {
  readonly syncStatus: SyncStatus
  onSyncStatus(listener: (status: SyncStatus) => void): () => void
}

const stores = new WeakMap<object, ExternalStore<SyncStatus>>()

/** One status store per database, shared by every component that shows it. */
export function syncStatusStore(db: AnyDb): ExternalStore<SyncStatus> {
  let store = stores.get(db)
  if (store === undefined) stores.set(db, (store = reportsSyncStatus(db) ? reportedStatus(db) : derivedStatus(db)))
  return store
}

function reportsSyncStatus(db: object): db is ReportsSyncStatus {
  return typeof (db as Partial<ReportsSyncStatus>).onSyncStatus === 'function' && 'syncStatus' in db
}

function reportedStatus(db: ReportsSyncStatus): ExternalStore<SyncStatus> {
  return createLazyStore(
    () => db.syncStatus,
    (changed) => db.onSyncStatus(changed),
  )
}

/** The status from what the instance shows today: `pending`, and the network's peer count (no event for either, so polled while shown). */
function derivedStatus(db: AnyDb): ExternalStore<SyncStatus> {
  const root = runtimeChain(db, 'useSyncStatus').root
  let current = read()
  function read(): SyncStatus {
    const network = root.network
    // A browser that says it is offline is: Chromium can leave a WebSocket open that no longer carries anything.
    const peers = globalThis.navigator?.onLine === false ? 0 : (network?.peerCount ?? 0)
    const pending = db.pending
    const state = network === undefined || !network.hasPeers ? 'local' : peers === 0 ? 'offline' : pending > 0 ? 'syncing' : 'synced'
    return { state, peers, pending }
  }
  const check = () => {
    const next = read()
    if (next.state === current.state && next.peers === current.peers && next.pending === current.pending) return false
    current = next
    return true
  }
  return createLazyStore(() => current, pollWhileSubscribed(check, POLL_MS))
}
