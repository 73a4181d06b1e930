import { createBoundedMap, type BoundedMap } from './bounded-map.js'

/**
 * Gun's `dup` table: message ids seen or sent in the last 9 s (refreshed on
 * every check), so a message that loops back through the mesh is dropped.
 * Bounded in entries as well as age: a flood of unique ids evicts the oldest
 * instead of growing memory.
 */
export interface Dedup {
  /** True if `id` was seen and is still fresh (refreshes it, as Gun's check does). */
  check(id: string): boolean
  track(id: string): void
  forget(id: string): void
  readonly size: number
}

export const DEDUP_AGE_MS = 9000

export function createDedup(max = 100_000, ageMs = DEDUP_AGE_MS, now?: () => number): Dedup {
  const seen: BoundedMap<true> = createBoundedMap<true>({ max, ageMs, now })
  return {
    check: (id) => seen.get(id) === true,
    track: (id) => seen.set(id, true),
    forget: (id) => void seen.delete(id),
    get size() {
      return seen.size
    },
  }
}
