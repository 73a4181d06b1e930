import type { Data, Listenable } from './chain-types.js'

/** A listener of Gun's low-level form: `get(cb)` / `get(key, cb)` hear `{ put, get }` messages. */
export type RawListener = (message: { put: Data; get: string }, event: { off(): void }) => void

/**
 * Gun's `get(cb)`: `cb` hears this place as messages — once with `put: undefined` when a read finds
 * nothing here, then every value or node that arrives, until `event.off()`. Apps use it to tell
 * "not found" from data without `once`'s single answer.
 */
export function listenRaw(chain: Listenable, listener: RawListener): void {
  let heard = false
  let off = false
  let stopOn: (() => void) | undefined
  const event = {
    off: () => {
      off = true
      stopOn?.()
    },
  }
  chain.on((data, key, _meta, onEvent) => {
    stopOn = () => onEvent.off()
    if (off) return onEvent.off()
    heard = true
    listener({ put: data, get: key }, event)
  })
  chain.once((data, key) => {
    if (!off && !heard && data === undefined) listener({ put: undefined, get: key }, event)
  })
}
