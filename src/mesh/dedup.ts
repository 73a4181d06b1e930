import { createFrontEviction, type FrontTable } from './bounded-map.js'

/**
 * Gun's `dup` table: message ids seen or sent in the last 9 s (refreshed on
 * every check), so a message that loops back through the mesh is dropped.
 * Bounded in entries, in bytes (the ids' lengths: a peer picks them, up to
 * `maxIdChars` each) and in age: a flood of unique ids evicts the oldest
 * instead of growing memory, and the mesh's sweeper expires old ids when no
 * traffic comes (`sweep`).
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
  /** Drop up to `limit` expired ids; true when expired ids remain. */
  sweep(limit?: number): boolean
  readonly size: number
  /** Characters of the ids held. */
  readonly bytes: number
}

const DEDUP_AGE_MS = 9000

export function createDedup(max = 100_000, ageMs = DEDUP_AGE_MS, now: () => number = Date.now, maxBytes = Infinity): Dedup {
  const origin = now()
  const table: FrontTable<number> = { entries: new Map<string, number>(), bytes: 0 }
  const touched = table.entries
  const eviction = createFrontEviction<number>({ max, maxBytes, ageMs, touchedAt: (at) => at, sizeOf: (id) => id.length })

  const touch = (id: string, time: number) => {
    if (!touched.delete(id)) table.bytes += id.length
    touched.set(id, time)
  }

  return {
    check(id) {
      const at = touched.get(id)
      if (at === undefined) return false
      const time = now() - origin
      if (time - at >= ageMs) {
        touched.delete(id)
        table.bytes -= id.length
        return false
      }
      touch(id, time)
      return true
    },
    track(id) {
      const time = now() - origin
      touch(id, time)
      eviction.evict(table, time)
    },
    forget(id) {
      if (touched.delete(id)) table.bytes -= id.length
    },
    sweep(limit = Infinity) {
      return eviction.sweep(table, now() - origin, limit)
    },
    get size() {
      return touched.size
    },
    get bytes() {
      return table.bytes
    },
  }
}
