import WebSocket from 'ws'
import { createDbWith } from './index.js'
import { useEcdsa } from './sea/ecdsa.js'
import { nodeEcdsa } from './sea/ecdsa-node.js'
import { fileSessionStore } from './sea/file-session.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

export * from './index.js'
// SEA's signatures on Node's crypto (less CPU per signature than WebCrypto's; ecdsa-node.ts).
useEcdsa(nodeEcdsa)
/** `createDb` in Node: `peers` are dialled with the `ws` package. (A local export shadows the star export.) */
// reason: `ws` implements the W3C WebSocket surface the dialler uses; its typings differ in event shapes.
export const createDb = createDbWith(
  createConnect(() => WebSocket as unknown as WebSocketConstructor),
  { sessionStore: fileSessionStore },
)
