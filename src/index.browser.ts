import { createDbWith, type DbOptions } from './index.js'
import { createBrowserStorage } from './storage/indexeddb/fallback.js'
import { onBrowserOnline } from './transport/browser-online.js'
import { createConnect } from './transport/connect.js'
import { tabChannelName } from './transport/tab-channel.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

export * from './index.js'

/**
 * A database of its own persists to IndexedDB (`indexedDb`, default 'trellis') unless given `storage` or
 * `indexedDb: false`, and then shares live changes with the other tabs using that database.
 */
const persistence = (options: DbOptions) => {
  if (options.storage !== undefined || options.indexedDb === false) return {}
  const name = options.indexedDb ?? 'trellis'
  return { storage: createBrowserStorage({ name }), broadcastChannel: tabChannelName(name) }
}

/**
 * `createDb` in browsers: `peers` are dialled with the native WebSocket (at once again when the browser is back
 * online); the graph persists to IndexedDB and is shared live with other tabs.
 */
export const createDb = createDbWith(
  createConnect(() => globalThis.WebSocket as unknown as WebSocketConstructor | undefined, { wake: onBrowserOnline, leaderElection: true }),
  persistence,
)
