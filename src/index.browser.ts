import { createDbWith, type DbOptions } from './index.js'
import { createBrowserStorage } from './storage/indexeddb/fallback.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

export * from './index.js'

/** A database of its own persists to IndexedDB (`indexedDb`, default 'trellis') unless given `storage` or `indexedDb: false`. */
const persistence = (options: DbOptions) =>
  options.storage !== undefined || options.indexedDb === false ? {} : { storage: createBrowserStorage({ name: options.indexedDb ?? 'trellis' }) }

/** `createDb` in browsers: `peers` are dialled with the native WebSocket; the graph persists to IndexedDB. */
export const createDb = createDbWith(
  createConnect(() => globalThis.WebSocket as unknown as WebSocketConstructor | undefined),
  persistence,
)
