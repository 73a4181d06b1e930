import type { Chain, Data } from '../core/chain/chain.js'
import { ownChain } from './chain-handle.js'
import { sameData } from './same-data.js'
import { createLazyStore, type ExternalStore } from './store.js'

/**
 * The live data at one place: starts from `initial` (a Suspense read, or undefined), then follows
 * `on()`. A delivery with the same values as the snapshot keeps the snapshot, so the component
 * does not re-render. Deleted (null) reads as undefined, as missing does.
 */
export function createNodeStore(chain: Chain, initial: Data): ExternalStore<Data> {
  let current: Data = initial ?? undefined
  return createLazyStore(
    () => current,
    (changed) => {
      const own = ownChain(chain)
      own.on((data) => {
        const next = data === null ? undefined : data
        if (sameData(current, next)) return
        current = next
        changed()
      })
      return () => void own.off()
    },
  )
}
