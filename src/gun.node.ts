import WebSocket from 'ws'
import { createGun } from './gun.js'
import { fileSessionStore } from './sea/file-session.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

/** `trellis/gun` in Node: the Gun drop-in, connecting to `peers` with the `ws` package. */
// reason: `ws` implements the W3C WebSocket surface the dialler uses; its typings differ in event shapes.
const Gun = createGun(
  createConnect(() => WebSocket as unknown as WebSocketConstructor),
  { sessionStore: fileSessionStore },
)
export default Gun
export { Gun }
export type { GunOptions, GunConstructor } from './gun.js'
export type { RootChain } from './instance.js'
