/**
 * A Map bounded in size and in age, oldest-touched first out. Touching an
 * entry moves it to the back (Map keeps insertion order), so eviction only
 * ever looks at the front: O(1) amortised per operation and no timers.
 * Used for the dedup table, request routes and subscription interest.
 */
export interface BoundedMap<V> {
  /** The value, refreshing its age; undefined when absent or expired. */
  get(key: string): V | undefined
  /** The value without refreshing it. */
  peek(key: string): V | undefined
  has(key: string): boolean
  set(key: string, value: V): void
  delete(key: string): boolean
  /** Drop expired entries now (also done on every `set`). */
  sweep(): void
  readonly size: number
  readonly max: number
  values(): IterableIterator<V>
  keys(): IterableIterator<string>
  clear(): void
}

interface Slot<V> {
  value: V
  at: number
}

export interface BoundedMapOptions<V> {
  max: number
  /** Milliseconds since the last touch after which an entry is gone. Infinity for none. */
  ageMs: number
  now?: () => number
  /** Called for entries pushed out by size or age (not for `delete`). */
  onEvict?: (key: string, value: V) => void
}

export function createBoundedMap<V>(options: BoundedMapOptions<V>): BoundedMap<V> {
  const { max, ageMs, onEvict } = options
  const now = options.now ?? Date.now
  const slots = new Map<string, Slot<V>>()
  const evictFront = createFrontEviction<Slot<V>>(max, ageMs, (slot) => slot.at, onEvict && ((key, slot) => onEvict(key, slot.value)))

  const live = (key: string, slot: Slot<V> | undefined, time: number): slot is Slot<V> => {
    if (slot === undefined) return false
    if (time - slot.at < ageMs) return true
    slots.delete(key)
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
      slots.delete(key)
      slots.set(key, { value, at: time })
      evictFront(slots, time)
    },
    delete(key) {
      return slots.delete(key)
    },
    sweep() {
      evictFront(slots, now(), true)
    },
    get size() {
      return slots.size
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
    },
  }
}

/**
 * Eviction from the front of a Map kept in touch order (a touch deletes and
 * re-sets the key): entries past `max`, and entries untouched for `ageMs`.
 * Age sweeps walk from the front and run at most every `sweepEvery` ms
 * (unless forced), which keeps inserts O(1) on the hot path.
 */
export function createFrontEviction<T>(max: number, ageMs: number, touchedAt: (entry: T) => number, onEvict?: (key: string, entry: T) => void) {
  const sweepEvery = Math.min(1000, ageMs / 4)
  let sweptAt = -Infinity
  return (entries: Map<string, T>, time: number, force = false): void => {
    const sweepAge = force || time - sweptAt >= sweepEvery
    if (!sweepAge && entries.size <= max) return
    if (sweepAge) sweptAt = time
    for (const [key, entry] of entries) {
      if (entries.size <= max && (!sweepAge || time - touchedAt(entry) < ageMs)) break
      entries.delete(key)
      onEvict?.(key, entry)
    }
  }
}
