import WebSocket from 'ws'
import { createGun, type GunOptions } from './gun.js'
import type { StorageAdapter } from './core/storage-contract.js'
import { useEcdsa } from './sea/ecdsa.js'
import { nodeEcdsa } from './sea/ecdsa-node.js'
import { fileSessionStore } from './sea/file-session.js'
import { sharedLogStorage } from './storage/log/shared.js'
import { isStockRadata } from './storage/log/transfer.js'
import { createConnect } from './transport/connect.js'
import type { WebSocketConstructor } from './transport/websocket-like.js'

/**
 * Where a drop-in instance keeps its graph in Node when the app passes no
 * `storage`: as stock Gun, on disk in `./radata` (or `file`), shared by the
 * instances of one process; `radisk: false` (or `rad: false`, or `RAD=false`
 * in the environment) keeps it in memory only. Trellis writes its own log
 * format, so a directory of stock RAD files is refused rather than silently
 * started afresh beside.
 */
export function defaultNodeStorage(options: GunOptions): StorageAdapter | undefined {
  if (options.radisk === false || options.rad === false || process.env.RAD === 'false') return undefined
  const dir = typeof options.file === 'string' && options.file !== '' ? options.file : 'radata'
  if (isStockRadata(dir)) {
    throw new Error(
      `${dir} holds stock Gun's RAD files, which Trellis does not write to. Import them into a Trellis directory ` +
        `(npx trellis import ${dir}-trellis --radata ${dir}) and pass { file: '${dir}-trellis' }, or pass { radisk: false } to keep data in memory`,
    )
  }
  return sharedLogStorage(dir)
}

// SEA's signatures on Node's crypto (less CPU per signature than WebCrypto's; ecdsa-node.ts).
useEcdsa(nodeEcdsa)

/** `trellis/gun` in Node: the Gun drop-in, connecting to `peers` with the `ws` package and persisting as stock Gun does. */
// reason: `ws` implements the W3C WebSocket surface the dialler uses; its typings differ in event shapes.
const Gun = createGun(
  createConnect(() => WebSocket as unknown as WebSocketConstructor),
  {
    defaults: { sessionStore: fileSessionStore },
    defaultStorage: defaultNodeStorage,
  },
)
export default Gun
export { Gun }
export type { GunOptions, GunConstructor, GunEvents, PluginContext, ChainHandler, ChainListener, ChainStep, EventChains } from './gun.js'
export type { RootChain } from './instance.js'
