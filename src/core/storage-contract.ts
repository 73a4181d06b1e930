import type { GraphNode } from './node.js'
import type { Value } from './types.js'

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
   * promises, which is most of a relay's write path. Looked up on each use,
   * so a store may gain it once it has finished opening.
   */
  getNow?(soul: string): GraphNode | undefined
  /** Persist these node diffs all-or-nothing; resolves once they are durable, rejects leaving nothing half-written. */
  put(nodes: readonly GraphNode[]): Promise<void>
  /** Souls in lexical order inside `range`. */
  souls(range?: KeyRange): Promise<string[]>
  /** Flush and release resources; later calls reject. */
  close(): Promise<void>
  /**
   * Optional: a durable journal of writes whose state lies in the future,
   * so that a deferred write can be acknowledged as soon as it is journaled
   * and still survive a restart. Without it, a durable engine acknowledges a
   * deferred write only once it fell due and was stored.
   */
  pending?: PendingJournal
  /**
   * Optional: whether the last write reached the disk. `ok: false` from the
   * first failed commit (disk full, I/O error) until a later write or
   * `probe()` succeeds; readiness reports it.
   */
  health?(): StorageHealth
  /** Optional: try a small durable write now (readiness uses it to notice that storage recovered). */
  probe?(): Promise<void>
  /**
   * Optional: the change feed (relays catch each other up with it, see
   * docs/storage.md). What was committed after cursor `since` (everything
   * when undefined or not understood), in commit order, one page of about
   * `maxBytes` of node data (at least one record, so a single larger record
   * makes a larger page). Cursors are opaque strings made by this store.
   * Contract: every write committed after the page that returned `since`
   * appears in some page from `since` up to the one with `done: true`;
   * duplicates and old data may come too (merging them is a no-op).
   */
  changes?(since: string | undefined, maxBytes: number): Promise<ChangePage>
  /**
   * Optional: a durable journal of this client's writes that no peer has
   * acknowledged yet (the offline queue). A client keeps each write here
   * until a relay acks it, and resends what it finds after a restart, so a
   * write made offline reaches the relay after a reload. Browsers' IndexedDB
   * store has one; relays need none.
   */
  unsent?: UnsentJournal
}

/** A local write waiting for a peer's acknowledgement. */
export interface UnsentWrite {
  /** Unique (random) id; `remove` takes it once a peer answered. */
  id: string
  /** The write's graph, as the JSON text of a wire `put`. */
  put: string
}

/**
 * The offline queue kept across restarts. `add` is durable when it resolves.
 * `remove` need not be: a write listed again after a crash is resent, and
 * HAM makes it a no-op at the relay. Operations apply in call order.
 */
export interface UnsentJournal {
  /** Keep this write until `remove`. */
  add(write: UnsentWrite): Promise<void>
  /** A peer answered (acked or refused it): forget it. */
  remove(id: string): Promise<void>
  /** Everything kept, oldest first (read once, when the client connects). */
  list(): Promise<UnsentWrite[]>
}

/** One page of the change feed. */
export interface ChangePage {
  /** Node diffs (or whole nodes) in commit order. */
  nodes: GraphNode[]
  /** The cursor to ask with next. */
  next: string
  /** True when the page reached the end of what is committed now. */
  done: boolean
  /** Encoded bytes of the page's records (what `maxBytes` bounds). */
  bytes: number
}

/** One future-state key held until due. */
export interface PendingWrite {
  /** Unique (random) id; `remove` takes it once the write was applied. */
  id: string
  soul: string
  key: string
  value: Value
  state: number
}

/**
 * Future-state writes kept across restarts. `add` is durable and atomic when
 * it resolves. `remove` need not be durable: a write listed again after a
 * crash is applied again, which HAM makes a no-op.
 */
export interface PendingJournal {
  /** Hold these writes durably until their state comes due. */
  add(writes: readonly PendingWrite[]): Promise<void>
  /** Forget these writes (applied, or refused). */
  remove(ids: readonly string[]): Promise<void>
  /** Everything held (read once at start). */
  list(): Promise<PendingWrite[]>
}

/** Whether storage is writing: false after a failure (disk full, I/O error) until a write succeeds again. */
export interface StorageHealth {
  /** True while writes succeed. */
  ok: boolean
  /** The last failure, when not ok (e.g. `ENOSPC: no space left on device`). */
  error?: string
  /** When the failure began (ms since the epoch). */
  since?: number
}

/** True when `key` lies inside `range`. */
export function inRange(key: string, range: KeyRange | undefined): boolean {
  if (range === undefined) return true
  if (range.prefix !== undefined && !key.startsWith(range.prefix)) return false
  if (range.gte !== undefined && key < range.gte) return false
  if (range.lte !== undefined && key > range.lte) return false
  return true
}

/** The first string after every string starting with `prefix`, or undefined when there is none (all `\uffff`). */
export function successor(prefix: string): string | undefined {
  let end = prefix.length
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--
  if (end === 0) return undefined
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1)
}
