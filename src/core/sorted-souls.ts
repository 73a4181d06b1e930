import type { KeyRange } from './storage-contract.js'

/** New souls wait in a small sorted side list; past this many they are merged into the main list. */
const FOLD_AT = 4096

export interface SortedSouls {
  /** A soul that may be new; already known souls are ignored. No-op until the first query builds the list (which then reads it from `allSouls`). */
  add(soul: string): void
  /** Souls inside `range` in lexical order (reversed on request), at most `range.limit`. */
  query(range: KeyRange | undefined): string[]
}

/**
 * Souls in lexical order for LEX reads over souls (`get: {'#': {'*': …}}`).
 *
 * Sorting every soul is not start-up work, and most processes never serve
 * such a read, so the list is built from `allSouls` on the first query.
 * After that a new soul goes into a side list of at most FOLD_AT souls (a
 * binary search and a short splice) and is merged into the main list when
 * the side list is full: a query is two binary searches plus the souls it
 * returns, never a sort, and a write never copies the whole list.
 */
export function createSortedSouls(allSouls: () => Iterable<string>): SortedSouls {
  let main: string[] | undefined
  let recent: string[] = []

  const build = (): string[] => {
    main ??= Array.from(allSouls()).sort(compare)
    return main
  }

  const fold = (into: string[]) => {
    main = mergeUnique(into, recent, false, Infinity)
    recent = []
  }

  return {
    add(soul) {
      if (main === undefined || contains(main, soul)) return
      const at = lowerBound(recent, 0, recent.length, soul)
      if (recent[at] === soul) return
      recent.splice(at, 0, soul)
      if (recent.length >= FOLD_AT) fold(main)
    },
    query(range) {
      const all = build()
      const limit = range?.limit ?? Infinity
      const reverse = range?.reverse === true
      return mergeUnique(slice(all, range, reverse, limit), slice(recent, range, reverse, limit), reverse, limit)
    },
  }
}

/**
 * Two lists of souls in the same order (ascending, or descending when
 * `reverse`), merged without duplicates, at most `limit` long.
 */
export function mergeUnique(a: readonly string[], b: readonly string[], reverse: boolean, limit: number): string[] {
  if (b.length === 0 && a.length <= limit) return a.slice()
  if (a.length === 0 && b.length <= limit) return b.slice()
  const out: string[] = []
  const sign = reverse ? -1 : 1
  let i = 0
  let j = 0
  while (out.length < limit && (i < a.length || j < b.length)) {
    if (j === b.length) out.push(a[i++])
    else if (i === a.length) out.push(b[j++])
    else {
      const order = compare(a[i], b[j]) * sign
      if (order < 0) out.push(a[i++])
      else if (order > 0) out.push(b[j++])
      else {
        out.push(a[i++])
        j++
      }
    }
  }
  return out
}

/** The souls of a sorted list inside `range`, in the order asked for. */
function slice(all: readonly string[], range: KeyRange | undefined, reverse: boolean, limit: number): string[] {
  const [lo, hi] = bounds(all, range)
  const out: string[] = []
  if (reverse) for (let i = hi - 1; i >= lo && out.length < limit; i--) out.push(all[i])
  else for (let i = lo; i < hi && out.length < limit; i++) out.push(all[i])
  return out
}

/** [lo, hi): the run of a sorted list inside `range`, by binary search (the souls with a prefix are contiguous). */
function bounds(all: readonly string[], range: KeyRange | undefined): [number, number] {
  if (range === undefined) return [0, all.length]
  const { prefix, gte, lte } = range
  const low = prefix !== undefined && (gte === undefined || prefix > gte) ? prefix : gte
  const lo = low === undefined ? 0 : lowerBound(all, 0, all.length, low)
  let hi = lte === undefined ? all.length : upperBound(all, lo, all.length, lte)
  if (prefix !== undefined) hi = prefixEnd(all, lo, hi, prefix)
  return [lo, Math.max(lo, hi)]
}

function contains(all: readonly string[], soul: string): boolean {
  return all[lowerBound(all, 0, all.length, soul)] === soul
}

function lowerBound(all: readonly string[], lo: number, hi: number, value: string): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (all[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

function upperBound(all: readonly string[], lo: number, hi: number, value: string): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (all[mid] <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** From `lo` (at or after the first soul ≥ prefix), the end of the run of souls starting with `prefix`. */
function prefixEnd(all: readonly string[], lo: number, hi: number, prefix: string): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (all[mid].startsWith(prefix)) lo = mid + 1
    else hi = mid
  }
  return lo
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
