/**
 * Keeps the engine's in-memory graph to a number of nodes when a store
 * holds everything anyway: past the bound, the nodes inserted longest ago
 * are dropped (they are read back from storage when needed). A node is
 * never dropped while it is pinned: it has listeners, a write to it is not
 * durable yet (storage could not give it back), or a write is loading it.
 *
 * First in, first out rather than least recently used: an LRU pays a Map
 * delete and insert on every read, a FIFO pays nothing until the bound is
 * reached, and a node dropped while still in use comes back from the
 * store's own cache in microseconds.
 */
export interface MemoryBound {
  /** Count one more reason to keep `soul` in memory. */
  pin(soul: string): void
  unpin(soul: string): void
  /**
   * Drop unpinned nodes, oldest first, until the graph is within bounds (at
   * once when it is: callers need not check),
   * looking at no more than `look` entries: callers pass a few more than
   * the nodes they just added, so memory keeps pace with any write size
   * while the work per call stays proportional to it.
   */
  trim(look?: number): void
}

/** Entries one `trim` call looks at beyond what the caller asks: pinned nodes are stepped over, not waited for. */
const LOOK_PER_TRIM = 32

export function createMemoryBound(graph: Map<string, unknown>, maxNodes: number, hasListeners: (soul: string) => boolean): MemoryBound {
  const pins = new Map<string, number>()
  const pinned = (soul: string) => pins.has(soul) || hasListeners(soul)
  // A live iterator survives deletes and rehashing, so each trim resumes where the last stopped instead of rescanning.
  let cursor: Iterator<string> | undefined

  return {
    pin(soul) {
      pins.set(soul, (pins.get(soul) ?? 0) + 1)
    },
    unpin(soul) {
      const count = pins.get(soul)
      if (count === undefined) return
      if (count <= 1) pins.delete(soul)
      else pins.set(soul, count - 1)
    },
    trim(look = 0) {
      const limit = LOOK_PER_TRIM + 2 * look
      for (let looked = 0; graph.size > maxNodes && looked < limit; looked++) {
        let next = cursor?.next()
        if (next === undefined || next.done === true) {
          cursor = graph.keys()
          next = cursor.next()
          if (next.done === true) return
        }
        const soul = next.value
        if (!pinned(soul)) graph.delete(soul)
      }
    },
  }
}
