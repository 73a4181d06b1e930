import { type KeyRange, successor } from '../../core/storage-contract.js'

/** The bounds of a soul range as IndexedDB sees them: `lower`/`upper` undefined for open ends; `empty` when nothing can match. */
export interface SoulBounds {
  lower: string | undefined
  upper: string | undefined
  /** The upper bound excludes itself (it is the first string past the prefix). */
  upperOpen: boolean
  empty: boolean
}

/**
 * `prefix`, `gte` and `lte` folded into one interval of strings. IndexedDB
 * orders string keys by UTF-16 code units, as JavaScript's `<` does, so the
 * interval selects exactly the souls `inRange` accepts.
 */
export function soulBounds(range: KeyRange | undefined): SoulBounds {
  let lower = range?.gte
  let upper = range?.lte
  let upperOpen = false
  const prefix = range?.prefix
  if (prefix !== undefined && prefix !== '') {
    if (lower === undefined || prefix > lower) lower = prefix
    const past = successor(prefix)
    if (past !== undefined && (upper === undefined || past <= upper)) {
      upper = past
      upperOpen = true
    }
  }
  const empty = lower !== undefined && upper !== undefined && (lower > upper || (lower === upper && upperOpen))
  return { lower, upper, upperOpen, empty }
}

/** The IDBKeyRange for these bounds (undefined: every key). */
export function toKeyRange(bounds: SoulBounds): IDBKeyRange | undefined {
  const { lower, upper, upperOpen } = bounds
  if (lower !== undefined && upper !== undefined) return IDBKeyRange.bound(lower, upper, false, upperOpen)
  if (lower !== undefined) return IDBKeyRange.lowerBound(lower)
  if (upper !== undefined) return IDBKeyRange.upperBound(upper, upperOpen)
  return undefined
}
