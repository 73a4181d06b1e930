import { SWEEP_SLICE } from './bounded-map.js'

/** A table that drops up to `limit` expired entries and says whether expired ones remain. */
export interface Sweepable {
  sweep(limit: number): boolean
}

/**
 * Expiry that runs without traffic (issue 11, finding 15): one timer per
 * mesh walks the front of every table every `everyMs`, `slice` expired
 * entries per table per turn; when a table has more, the next slice runs on
 * a later turn (a 0 ms timer), so 100 000 expired routes never block the
 * event loop in one go. The timer is unref'd: it never keeps a process alive.
 * Returns the stop function.
 */
export function startSweeper(tables: readonly Sweepable[], everyMs: number, slice = SWEEP_SLICE): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  const schedule = (ms: number) => {
    if (stopped) return
    timer = setTimeout(tick, ms)
    // reason: housekeeping must not keep a process (or a test) alive on its own.
    ;(timer as { unref?: () => void }).unref?.()
  }
  const tick = () => {
    timer = undefined
    let more = false
    for (const table of tables) if (table.sweep(slice)) more = true
    schedule(more ? 0 : everyMs)
  }
  schedule(everyMs)
  return () => {
    stopped = true
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
}

/** How often to sweep tables with these ages: a quarter of the shortest, between 5 ms and 1 s. */
export function sweepInterval(ages: readonly number[]): number {
  const finite = ages.filter((age) => Number.isFinite(age) && age > 0)
  if (finite.length === 0) return 1000
  return Math.max(5, Math.min(1000, Math.min(...finite) / 4))
}
