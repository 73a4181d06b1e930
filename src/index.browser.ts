import { createDbWith } from './index.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

export * from './index.js'
/** `createDb` in browsers: `peers` are dialled with the native WebSocket. */
export const createDb = createDbWith(createConnect(() => globalThis.WebSocket as unknown as WebSocketConstructor | undefined))
