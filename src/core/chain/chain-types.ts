import type { Ack } from '../engine-types.js'
import type { Value } from '../types.js'

// The shapes chain callbacks see, apart from the Chain class, so helpers such as compat.ts
// can name them without importing chain.ts (which imports them): no cycle, type-only or not.

/** Data as callbacks receive it: a copy of a node (with its `_` metadata) or a value. */
export type Data = Record<string, unknown> | Value | undefined

/** Gun passes (data, key, message, event); `event.off()` stops this listener. */
export type Listener = (data: Data, key: string, meta: ReadMeta, event: { off(): void }) => void
/** Called once per put with its outcome: `err` set when it failed, `ok` when a store or peer acknowledged it. */
export type AckCallback = (ack: Ack) => void

/** About one read: `synced` is false when a peer asked did not answer in time. */
export interface ReadMeta {
  synced: boolean
}

/** What Gun's low-level `get(cb)` (compat.ts) needs of a chain. */
export interface Listenable {
  on(listener: Listener): unknown
  once(listener?: Listener): unknown
}
