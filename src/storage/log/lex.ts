import type { KeyRange } from '../../core/storage-contract.js'

/** Code-unit order, as Gun's LEX compares. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Souls in lexical order for LEX reads over souls. Built lazily from the
 * index on the first query (sorting millions of souls is not start-up work);
 * souls added afterwards wait in `pending` and are merged in on the next
 * query. Souls are never removed: Gun nodes are never deleted.
 */
export function createSortedSouls(allSouls: () => Iterable<string>) {
  let sorted: string[] | undefined
  let pending: string[] = []

  function current(): string[] {
    if (sorted === undefined) {
      sorted = Array.from(allSouls()).sort(compare)
      pending = []
      return sorted
    }
    if (pending.length > 0) {
      pending.sort(compare)
      const merged = new Array<string>(sorted.length + pending.length)
      let i = 0
      let j = 0
      let k = 0
      while (i < sorted.length && j < pending.length) merged[k++] = sorted[i] <= pending[j] ? sorted[i++] : pending[j++]
      while (i < sorted.length) merged[k++] = sorted[i++]
      while (j < pending.length) merged[k++] = pending[j++]
      sorted = merged
      pending = []
    }
    return sorted
  }

  return {
    /** A soul the index did not hold before. */
    added(soul: string): void {
      if (sorted !== undefined) pending.push(soul)
    },
    /** Forget everything (the index was rebuilt). */
    reset(): void {
      sorted = undefined
      pending = []
    },
    query(range: KeyRange | undefined): string[] {
      const all = current()
      let lo = 0
      let hi = all.length
      if (range !== undefined) {
        const low = maxString(range.gte, range.prefix)
        if (low !== undefined) lo = lowerBound(all, low)
        if (range.lte !== undefined) hi = upperBound(all, range.lte)
        if (range.prefix !== undefined) {
          let end = lo
          while (end < hi && all[end].startsWith(range.prefix)) end++
          hi = end
        }
      }
      const limit = range?.limit ?? Infinity
      const out: string[] = []
      if (range?.reverse) for (let i = hi - 1; i >= lo && out.length < limit; i--) out.push(all[i])
      else for (let i = lo; i < hi && out.length < limit; i++) out.push(all[i])
      return out
    },
  }
}

function maxString(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}

function lowerBound(all: string[], value: string): number {
  let lo = 0
  let hi = all.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (all[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound(all: string[], value: string): number {
  let lo = 0
  let hi = all.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (all[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}
