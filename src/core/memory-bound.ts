import type { GraphNode } from './node.js'
import type { Value } from './types.js'

/**
 * Keeps the engine's in-memory graph within a number of nodes and an
 * estimate of their bytes when a store holds everything anyway: past either
 * bound, the nodes inserted longest ago are dropped (they are read back
 * from storage when needed). A node is never dropped while it is pinned: it
 * has listeners, a write to it is not durable yet (storage could not give
 * it back), or a write is loading it.
 *
 * First in, first out rather than least recently used: an LRU pays a Map
 * delete and insert on every read, a FIFO pays nothing until the bound is
 * reached, and a node dropped while still in use comes back from the
 * store's own cache in microseconds.
 *
 * Bytes are counted incrementally: a node's estimate is taken when it
 * enters memory, and each write adds the difference it made (`grow`), so
 * nothing is ever rescanned.
 */
export interface MemoryBound {
  /** Estimated bytes of the nodes held (0 when memory is not bounded). */
  readonly bytes: number
  /** Put a node into memory (replacing any held under its soul) and count its bytes. */
  set(soul: string, node: GraphNode): void
  /** A write changed a held node by `delta` estimated bytes. */
  grow(soul: string, delta: number): void
  /** Take a node out of memory. */
  drop(soul: string): void
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
/** Estimated bytes of a node beyond its keys: the object, its arrays, the graph's map entry. */
export const NODE_OVERHEAD = 200
/** Estimated bytes of one key beyond its strings: three array slots, a boxed state, an index entry. */
export const KEY_OVERHEAD = 48

/** Estimated bytes a value takes (UTF-16: two bytes a char, an upper bound for V8's strings). */
export function valueBytes(value: Value | undefined): number {
  if (typeof value === 'string') return 2 * value.length
  if (value !== null && typeof value === 'object') return 32 + 2 * value['#'].length
  return 0
}

/** Estimated bytes of a whole node. */
export function nodeBytes(node: GraphNode): number {
  let bytes = NODE_OVERHEAD + 2 * node.soul.length
  const keys = node.keys
  const values = node.values
  for (let i = 0; i < keys.length; i++) bytes += KEY_OVERHEAD + 2 * keys[i].length + valueBytes(values[i])
  return bytes
}

export function createMemoryBound(graph: Map<string, GraphNode>, maxNodes: number, maxBytes: number, hasListeners: (soul: string) => boolean): MemoryBound {
  const pins = new Map<string, number>()
  const pinned = (soul: string) => pins.has(soul) || hasListeners(soul)
  // Unbounded (memory is the store): nothing to count.
  const counting = maxBytes !== Infinity
  const sizes = new Map<string, number>()
  let bytes = 0
  // A live iterator survives deletes and rehashing, so each trim resumes where the last stopped instead of rescanning.
  let cursor: Iterator<string> | undefined

  const drop = (soul: string) => {
    if (!graph.delete(soul) || !counting) return
    bytes -= sizes.get(soul) ?? 0
    sizes.delete(soul)
  }

  return {
    get bytes() {
      return bytes
    },
    set(soul, node) {
      graph.set(soul, node)
      if (!counting) return
      const size = nodeBytes(node)
      bytes += size - (sizes.get(soul) ?? 0)
      sizes.set(soul, size)
    },
    grow(soul, delta) {
      if (!counting || delta === 0) return
      bytes += delta
      sizes.set(soul, (sizes.get(soul) ?? 0) + delta)
    },
    drop,
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
      for (let looked = 0; (graph.size > maxNodes || bytes > maxBytes) && looked < limit; looked++) {
        let next = cursor?.next()
        if (next === undefined || next.done === true) {
          cursor = graph.keys()
          next = cursor.next()
          if (next.done === true) return
        }
        const soul = next.value
        if (!pinned(soul)) drop(soul)
      }
    },
  }
}
