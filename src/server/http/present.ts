import type { Data } from '../../core/chain/chain.js'

/**
 * A node as the API shows it: its live keys. A deleted key holds a tombstone (`null`) that
 * peers need to sync, but to a REST reader it is absent. `?meta=1` shows the node as stored:
 * Gun's `_` metadata (souls and states) and the tombstones.
 */
export function present(data: Data, meta: boolean): unknown {
  if (data === null || typeof data !== 'object' || meta || !Object.hasOwn(data, '_')) return data
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(data)) {
    if (key === '_' || (data as Record<string, unknown>)[key] === null) continue
    Object.defineProperty(out, key, { value: (data as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** Gun has no "absent": a deleted key holds `null`, a deleted node holds only `null`s. Both read as 404. */
export function isDeleted(data: Data): boolean {
  if (data === null) return true
  if (typeof data !== 'object' || data === undefined) return false
  let keys = 0
  for (const key of Object.keys(data)) {
    if (key === '_') continue
    keys++
    if ((data as Record<string, unknown>)[key] !== null) return false
  }
  return keys > 0
}

export function isQueryFlag(value: unknown): boolean {
  return value === '' || value === '1' || value === 'true'
}
