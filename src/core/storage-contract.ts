import type { GraphNode } from './node.js'

/**
 * A lexical range over keys of a node, or over souls: Gun's LEX reads.
 * `prefix` matches keys that start with it; `gte`/`lte` bound inclusively;
 * all given conditions must hold.
 */
export interface KeyRange {
  prefix?: string
  gte?: string
  lte?: string
  reverse?: boolean
  limit?: number
}

/**
 * What the engine needs from a store. Small on purpose (Gun's adapter is
 * get/put/list): async, durable when `put` resolves, atomic per `put` call.
 * Implementations receive only keys that won HAM, in the order they were
 * applied, so "the later write of a key wins" is the correct merge; `wins()`
 * in core/ham.ts is there for stores that merge records out of order
 * (compaction, import).
 */
export interface StorageAdapter {
  /** A node, or only its keys inside `range`; undefined when nothing is stored for the soul. */
  get(soul: string, range?: KeyRange): Promise<GraphNode | undefined>
  /**
   * Optional: `get(soul)` answered synchronously (throwing where `get`
   * rejects), for stores that can — an in-process index over preads, or
   * memory. The engine then keeps writes to souls not yet in memory free of
   * promises, which is most of a relay's write path.
   */
  getNow?(soul: string): GraphNode | undefined
  /** Persist these node diffs all-or-nothing; resolves once they are durable, rejects leaving nothing half-written. */
  put(nodes: readonly GraphNode[]): Promise<void>
  /** Souls in lexical order inside `range`. */
  souls(range?: KeyRange): Promise<string[]>
  /** Flush and release resources; later calls reject. */
  close(): Promise<void>
}

/** True when `key` lies inside `range`. */
export function inRange(key: string, range: KeyRange | undefined): boolean {
  if (range === undefined) return true
  if (range.prefix !== undefined && !key.startsWith(range.prefix)) return false
  if (range.gte !== undefined && key < range.gte) return false
  if (range.lte !== undefined && key > range.lte) return false
  return true
}
