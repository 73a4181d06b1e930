import { createGun, type GunOptions } from './gun.js'
import type { StorageAdapter } from './core/storage-contract.js'
import { createBrowserStorage } from './storage/indexeddb/fallback.js'
import { onBrowserOnline } from './transport/browser-online.js'
import { createConnect } from './transport/connect.js'
import { tabChannelName } from './transport/tab-channel.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

/**
 * Persistence as stock Gun's options ask for it: on by default (stock keeps a
 * browser's graph in localStorage; this keeps it in IndexedDB, database
 * `file` or 'trellis'); `localStorage: false` (stock's switch for that) or
 * `radisk: false` turn it off, unless `radisk: true` asks for disk storage
 * (stock's IndexedDB adapter, rindexed, runs under radisk). A `storage` given
 * replaces it.
 */
function persistence(options: GunOptions): StorageAdapter | undefined {
  const name = databaseName(options)
  return name === undefined ? undefined : createBrowserStorage({ name })
}

/** The IndexedDB database `persistence` uses, if any. */
function databaseName(options: GunOptions): string | undefined {
  const wanted = options.radisk === true || (options.localStorage !== false && options.radisk !== false)
  if (!wanted) return undefined
  return typeof options.file === 'string' && options.file !== '' ? options.file : 'trellis'
}

/** Instances persisting to IndexedDB share live changes with the other tabs using that database. */
function tabChannel(options: GunOptions): string | undefined {
  const name = databaseName(options)
  return name === undefined ? undefined : tabChannelName(name)
}

/** `trellis/gun` in browsers: the Gun drop-in, connecting to `peers` with the native WebSocket, persisting to IndexedDB. */
const Gun = createGun(
  createConnect(() => (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketConstructor | undefined, { wake: onBrowserOnline, leaderElection: true }),
  { defaultStorage: persistence, defaultChannel: tabChannel },
)
export default Gun
export { Gun }
export type { GunOptions, GunConstructor, GunEvents, PluginContext, ChainHandler, ChainListener, ChainStep, EventChains } from './gun.js'
export type { RootChain } from './instance.js'
