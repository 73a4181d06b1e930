import { createGun } from './gun.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

/** `trellis/gun` in browsers: the Gun drop-in, connecting to `peers` with the native WebSocket. */
const Gun = createGun(createConnect(() => (globalThis as { WebSocket?: unknown }).WebSocket as WebSocketConstructor | undefined))
export default Gun
export { Gun }
export type { GunOptions, GunConstructor } from './gun.js'
export type { RootChain } from './instance.js'
