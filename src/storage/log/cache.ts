import type { GraphNode } from '../../core/node.js'

/** A cached node and its estimated bytes (src/core/memory-bound.ts `nodeBytes`), kept together so a hit is one Map lookup. */
class CacheEntry {
  constructor(
    readonly node: GraphNode,
    public bytes: number,
  ) {}
}

/**
 * A bounded LRU of decoded nodes, so the graph need not fit in RAM. A Map
 * keeps insertion order, so re-inserting on use makes the first key the
 * least recently used.
 *
 * Bounded by count and by estimated bytes (issue 11, finding 7: a count
 * alone let 60 big nodes read back hold hundreds of MB). Bytes are counted
 * incrementally: a node's estimate is given when it enters, writes merged
 * into a cached node report their difference (`grow`), and eviction
 * subtracts what was counted, so nothing is ever rescanned. A node bigger
 * than the whole byte budget is not cached at all: it would evict
 * everything else and then itself.
 */
export function createNodeCache(capacity: number, maxBytes = Infinity) {
  const entries = new Map<string, CacheEntry>()
  let bytes = 0

  const remove = (soul: string) => {
    const entry = entries.get(soul)
    if (entry === undefined) return
    entries.delete(soul)
    bytes -= entry.bytes
  }

  /** Evict least recently used entries until within both bounds. */
  const shrink = () => {
    while (entries.size > capacity || bytes > maxBytes) {
      const oldest = entries.entries().next()
      if (oldest.done === true) return
      entries.delete(oldest.value[0])
      bytes -= oldest.value[1].bytes
    }
  }

  return {
    get(soul: string): GraphNode | undefined {
      const entry = entries.get(soul)
      if (entry === undefined) return undefined
      entries.delete(soul)
      entries.set(soul, entry)
      return entry.node
    },
    /** Look without touching recency (write path). */
    peek(soul: string): GraphNode | undefined {
      return entries.get(soul)?.node
    },
    /** Cache `node`, whose estimated size is `size` bytes (a node over the byte budget is not cached). */
    set(soul: string, node: GraphNode, size: number): void {
      remove(soul)
      if (capacity <= 0 || size > maxBytes) return
      entries.set(soul, new CacheEntry(node, size))
      bytes += size
      shrink()
    },
    /** A write merged into the cached node of `soul` changed its estimate by `delta` bytes. */
    grow(soul: string, delta: number): void {
      if (delta === 0) return
      const entry = entries.get(soul)
      if (entry === undefined) return
      entry.bytes += delta
      bytes += delta
      if (entry.bytes > maxBytes) remove(soul)
      else if (bytes > maxBytes) shrink()
    },
    clear(): void {
      entries.clear()
      bytes = 0
    },
    get size(): number {
      return entries.size
    },
    /** Estimated bytes of the cached nodes. */
    get bytes(): number {
      return bytes
    },
  }
}
