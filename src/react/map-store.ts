import type { Chain, Data } from '../core/chain/chain.js'
import { sameData } from './same-data.js'
import { createLazyStore, type ExternalStore } from './store.js'

/** One item of a `useMap` list: its key in the node, and its data (a node's copy, or a value). */
export interface MapRow<V> {
  readonly key: string
  readonly value: V
}

/** How many items `useMap` keeps by default (see MapOptions.max). */
export const DEFAULT_MAX_ROWS = 10_000

/**
 * The live items of a node, in key order. Each item is one row object; a change to one item
 * replaces that row only, so the others keep their identity (and a `memo` row component its
 * render). Rows are sorted when a snapshot is asked for, not per change: a burst of arrivals is
 * one sort per render. At most `max` rows are kept: past it, the smallest key goes (with
 * time-ordered keys, the oldest).
 */
export function createMapStore(chain: Chain, max: number): ExternalStore<readonly MapRow<Data>[]> {
  const rows = new Map<string, MapRow<Data>>()
  let snapshot: readonly MapRow<Data>[] = []
  let stale = false
  const dropSmallest = () => {
    let smallest: string | undefined
    for (const key of rows.keys()) if (smallest === undefined || key < smallest) smallest = key
    if (smallest !== undefined) rows.delete(smallest)
  }
  return createLazyStore(
    () => {
      if (stale) {
        snapshot = [...rows.values()].sort(byKey)
        stale = false
      }
      return snapshot
    },
    (changed) => {
      const items = chain.map()
      items.on((data, key) => {
        const row = rows.get(key)
        if (data === null || data === undefined) {
          if (row === undefined) return
          rows.delete(key)
        } else {
          if (row !== undefined && sameData(row.value, data)) return
          rows.set(key, { key, value: data })
          if (rows.size > max) dropSmallest()
        }
        stale = true
        changed()
      })
      return () => void items.off()
    },
  )
}

/** Code-unit order of the keys: the lexical order Gun's LEX reads use. */
function byKey(a: MapRow<Data>, b: MapRow<Data>): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
}
