import { createInstance, type Connect, type InstanceOptions } from './instance.js'
import type { Db } from './typed.js'

export interface DbOptions extends InstanceOptions {
  /**
   * Browsers: the IndexedDB database the graph persists in when no `storage`
   * is given (default `'trellis'`); `false` keeps it in memory only. Ignored
   * elsewhere.
   */
  indexedDb?: string | false
}

/**
 * `createDb` for a runtime: `connect` wires `peers` (the Node and browser entries pass one); `defaults`
 * fill options not given (a function is asked once per database, e.g. for a store of its own).
 */
export function createDbWith(connect?: Connect, defaults: Partial<InstanceOptions> | ((options: DbOptions) => Partial<InstanceOptions>) = {}) {
  return function createDb<Schema extends object = Record<string, Record<string, unknown>>>(options: DbOptions = {}): Db<Schema> {
    const base = typeof defaults === 'function' ? defaults(options) : defaults
    // reason: the runtime chain is untyped; Db<Schema> is the typed view of the same object.
    return createInstance({ ...base, ...options }, connect) as unknown as Db<Schema>
  }
}

/**
 * Open a database typed by `Schema`:
 *
 *   const db = createDb<{ users: Record<string, { name: string }> }>()
 *   db.get('users').get('ann').put({ name: 'Ann' })   // checked along the path
 *   db.path('users/ann').on((user) => ...)
 *
 * The same engine and chain as the Gun drop-in (`trellis/gun`).
 */
export const createDb = createDbWith()

export { createInstance, RootChain, type InstanceOptions, type Connect, type Connection, type InstancePlugins, type RootParts } from './instance.js'
export type { PluginContext } from './plugins/wire-context.js'
export type { ChainHandler, ChainListener, ChainStep, EventChains, Events } from './plugins/event-chain.js'
export type { ChainPath, LexStep, Step } from './core/chain/path.js'
export type { WriteOptions } from './core/chain/root.js'
export type { SyncStatus, SyncStatusListener } from './core/chain/sync-status.js'
export type { RawListener } from './core/chain/compat.js'
export type { ValidationLimits } from './core/validate.js'
export type { User, UserIs, UserAck, UserCallback, SessionStore, RecallOptions } from './sea/user.js'
export type * from './typed.js'
export { Chain, type Data, type Listener, type AckCallback, type ReadMeta, type TreeCallback, type OpenOptions } from './core/chain/chain.js'
export type { Ack, ChangeListener, Engine, EngineOptions, EngineStats, Network, Origin, PutOutcome, VerifyHook } from './core/engine-types.js'
export type { StorageAdapter, KeyRange, ChangePage, PendingJournal, PendingWrite, StorageHealth, UnsentJournal, UnsentWrite } from './core/storage-contract.js'
export { TrellisError, type ErrorCode } from './core/errors.js'
export { GraphNode } from './core/node.js'
export { createEngine } from './core/engine.js'
export { createClock, type StateClock } from './core/clock.js'
export { ham, wins, valueText, type HamOutcome } from './core/ham.js'
export { parseWireGraph, toWireGraph } from './core/wire.js'
export { isLink, isValue, type Link, type Value, type WireGraph, type WireNode } from './core/types.js'
export { createMemoryStorage } from './storage/memory.js'
