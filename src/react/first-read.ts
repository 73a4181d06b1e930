import type { Chain, Data } from '../core/chain/chain.js'
import type { Root } from '../core/chain/root.js'

/** Most first reads kept per database between a suspended render and its mount. */
const MAX_FIRST_READS = 256

const byRoot = new WeakMap<Root, Map<string, Promise<Data>>>()

/**
 * The first read of a place, one promise per path: React's `use()` needs the same promise on every
 * render of a suspended component. Kept until the component mounts (or, bounded, until evicted).
 */
export function firstRead(chain: Chain, key: string): Promise<Data> {
  let reads = byRoot.get(chain.root)
  if (reads === undefined) byRoot.set(chain.root, (reads = new Map()))
  const known = reads.get(key)
  if (known !== undefined) return known
  if (reads.size >= MAX_FIRST_READS) reads.delete(reads.keys().next().value as string)
  const read = chain.read().then(({ data }) => (data === null ? undefined : data))
  reads.set(key, read)
  return read
}

/** Let a mounted component's first read go: the live store has it now. */
export function forgetFirstRead(root: Root, key: string): void {
  byRoot.get(root)?.delete(key)
}
