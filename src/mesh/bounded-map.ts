/**
 * A Map bounded in entries, in bytes and in age, oldest-touched first out.
 * Touching an entry moves it to the back (Map keeps insertion order), so
 * eviction only ever looks at the front: O(1) amortised per operation.
 * Expiry does not wait for traffic: the mesh's sweeper (sweeper.ts) calls
 * `sweep(limit)` on a timer, a slice at a time. Used for request routes and
 * subscription interest; the dedup table shares the eviction (dedup.ts).
 *
 * Bytes are the key's length plus `bytesOf(value)` (default 0): ids and
 * souls are the part of an entry a peer chooses, so they are what a bound
 * in bytes must cover; the fixed cost of an entry is covered by `max`.
 */
export interface BoundedMap<V> {
  /** The value, refreshing its age; undefined when absent or expired. */
  get(key: string): V | undefined
  /** The value without refreshing it. */
  peek(key: string): V | undefined
  has(key: string): boolean
  set(key: string, value: V): void
  delete(key: string): boolean
  /** Drop up to `limit` expired entries from the front; true when expired entries remain. */
  sweep(limit?: number): boolean
  readonly size: number
  /** Key characters (plus `bytesOf` of values) held. */
  readonly bytes: number
  readonly max: number
  values(): IterableIterator<V>
  keys(): IterableIterator<string>
  clear(): void
}

interface Slot<V> {
  value: V
  at: number
  bytes: number
}

export interface BoundedMapOptions<V> {
  max: number
  /** Bound on `bytes`; Infinity for none. */
  maxBytes?: number
  /** Milliseconds since the last touch after which an entry is gone. Infinity for none. */
  ageMs: number
  now?: () => number
  /** Called for entries pushed out by size, bytes or age (not for `delete`). */
  onEvict?: (key: string, value: V) => void
  /** Bytes a value adds to its key's length (default 0). */
  bytesOf?: (value: V) => number
}

/** Expired entries dropped per call on the insert path; the sweeper does the rest in slices. */
export const SWEEP_SLICE = 1000

export function createBoundedMap<V>(options: BoundedMapOptions<V>): BoundedMap<V> {
  const { max, ageMs, onEvict } = options
  const maxBytes = options.maxBytes ?? Infinity
  const now = options.now ?? Date.now
  const bytesOf = options.bytesOf
  const table: FrontTable<Slot<V>> = { entries: new Map(), bytes: 0 }
  const slots = table.entries
  const eviction = createFrontEviction<Slot<V>>({
    max,
    maxBytes,
    ageMs,
    touchedAt: (slot) => slot.at,
    sizeOf: (key, slot) => key.length + slot.bytes,
    onEvict: onEvict && ((key, slot) => onEvict(key, slot.value)),
  })

  const remove = (key: string, slot: Slot<V>) => {
    slots.delete(key)
    table.bytes -= key.length + slot.bytes
  }

  const live = (key: string, slot: Slot<V> | undefined, time: number): slot is Slot<V> => {
    if (slot === undefined) return false
    if (time - slot.at < ageMs) return true
    remove(key, slot)
    onEvict?.(key, slot.value)
    return false
  }

  return {
    get(key) {
      const slot = slots.get(key)
      const time = now()
      if (!live(key, slot, time)) return undefined
      slots.delete(key)
      slot.at = time
      slots.set(key, slot)
      return slot.value
    },
    peek(key) {
      const slot = slots.get(key)
      return live(key, slot, now()) ? slot.value : undefined
    },
    has(key) {
      return live(key, slots.get(key), now())
    },
    set(key, value) {
      const time = now()
      const old = slots.get(key)
      if (old !== undefined) remove(key, old)
      const slot = { value, at: time, bytes: bytesOf === undefined ? 0 : bytesOf(value) }
      slots.set(key, slot)
      table.bytes += key.length + slot.bytes
      eviction.evict(table, time)
    },
    delete(key) {
      const slot = slots.get(key)
      if (slot === undefined) return false
      remove(key, slot)
      return true
    },
    sweep(limit = Infinity) {
      return eviction.sweep(table, now(), limit)
    },
    get size() {
      return slots.size
    },
    get bytes() {
      return table.bytes
    },
    max,
    *values() {
      for (const slot of slots.values()) yield slot.value
    },
    keys() {
      return slots.keys()
    },
    clear() {
      slots.clear()
      table.bytes = 0
    },
  }
}

/** A Map kept in touch order (a touch deletes and re-sets the key), with its bytes counted by the owner. */
export interface FrontTable<T> {
  readonly entries: Map<string, T>
  bytes: number
}

export interface FrontEvictionOptions<T> {
  max: number
  maxBytes: number
  ageMs: number
  touchedAt: (entry: T) => number
  /** Bytes the entry counts for (subtracted from `bytes` when it goes). */
  sizeOf: (key: string, entry: T) => number
  onEvict?: (key: string, entry: T) => void
}

/**
 * Eviction from the front of a table kept in touch order: entries past `max`
 * or `maxBytes` (always, at once), and entries untouched for `ageMs` — on
 * inserts at most every `sweepEvery` ms and at most `SWEEP_SLICE` of them,
 * so an insert never walks a large expired table in one go; `sweep` is the
 * timer-driven path, a slice at a time.
 */
export function createFrontEviction<T>(options: FrontEvictionOptions<T>) {
  const { max, maxBytes, ageMs, touchedAt, sizeOf, onEvict } = options
  const sweepEvery = Math.min(1000, ageMs / 4)
  let sweptAt = -Infinity

  const drop = (table: FrontTable<T>, key: string, entry: T) => {
    table.entries.delete(key)
    table.bytes -= sizeOf(key, entry)
    onEvict?.(key, entry)
  }

  /** Drop from the front while over a bound, or (up to `limit` entries) expired. True when it stopped at the limit. */
  const run = (table: FrontTable<T>, time: number, checkAge: boolean, limit: number): boolean => {
    let expired = 0
    for (const [key, entry] of table.entries) {
      const over = table.entries.size > max || table.bytes > maxBytes
      if (!over) {
        if (!checkAge || time - touchedAt(entry) < ageMs) return false
        if (expired >= limit) return true
        expired++
      }
      drop(table, key, entry)
    }
    return false
  }

  return {
    /** After an insert. */
    evict(table: FrontTable<T>, time: number): void {
      const sweepAge = time - sweptAt >= sweepEvery
      if (!sweepAge && table.entries.size <= max && table.bytes <= maxBytes) return
      if (sweepAge) sweptAt = time
      run(table, time, sweepAge, SWEEP_SLICE)
    },
    /** Timer-driven expiry: true when expired entries remain past `limit`. */
    sweep(table: FrontTable<T>, time: number, limit: number): boolean {
      sweptAt = time
      return run(table, time, true, limit)
    },
  }
}
