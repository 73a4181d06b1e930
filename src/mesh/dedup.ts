import { createFrontEviction } from './bounded-map.js'

/**
 * Gun's `dup` table: message ids seen or sent in the last 9 s (refreshed on
 * every check), so a message that loops back through the mesh is dropped.
 * Bounded in entries as well as age: a flood of unique ids evicts the oldest
 * instead of growing memory.
 *
 * Every message a peer hears or sends passes through here, so an entry is
 * just id → time of last touch in a Map kept in touch order (a touch moves
 * the id to the back): eviction only looks at the front, and no object is
 * allocated per id. Times are kept relative to the table's creation so they
 * stay small integers, which V8 stores inline rather than as heap numbers.
 */
export interface Dedup {
  /** True if `id` was seen and is still fresh (refreshes it, as Gun's check does). */
  check(id: string): boolean
  track(id: string): void
  forget(id: string): void
  readonly size: number
}

export const DEDUP_AGE_MS = 9000

export function createDedup(max = 100_000, ageMs = DEDUP_AGE_MS, now: () => number = Date.now): Dedup {
  const origin = now()
  const touched = new Map<string, number>()
  const evictFront = createFrontEviction<number>(max, ageMs, (at) => at)

  const touch = (id: string, time: number) => {
    touched.delete(id)
    touched.set(id, time)
  }

  return {
    check(id) {
      const at = touched.get(id)
      if (at === undefined) return false
      const time = now() - origin
      if (time - at >= ageMs) {
        touched.delete(id)
        return false
      }
      touch(id, time)
      return true
    },
    track(id) {
      const time = now() - origin
      touch(id, time)
      evictFront(touched, time)
    },
    forget(id) {
      touched.delete(id)
    },
    get size() {
      return touched.size
    },
  }
}
