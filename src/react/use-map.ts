import { useMemo, useSyncExternalStore } from 'react'
import type { Chain, Data } from '../core/chain/chain.js'
import { TrellisError } from '../core/errors.js'
import type { DataOf, ItemOf, TypedChain } from '../typed.js'
import { pathKey, runtimeChain } from './chain-handle.js'
import { createMapStore, DEFAULT_MAX_ROWS, type MapRow } from './map-store.js'

/** Options of {@link useMap}. */
export interface MapOptions {
  /** Most rows kept (default 10 000); past it the smallest keys go (with time-ordered keys, the oldest). */
  max?: number
}

/**
 * The items of the node at `chain` (a collection: `set()` lists, or any node whose keys are ids),
 * live, as rows `{ key, value }` sorted by key (code-unit order, as Gun's LEX reads; keys made by
 * `set()` start with their time, so that is also insertion order). Items that are null (deleted)
 * are left out.
 *
 * One item changing replaces its row only: every other row is the same object as before, so
 * `rows.map((row) => <Row key={row.key} row={row} />)` with a `memo` row re-renders that row alone.
 *
 *   const todos = useMap(db.get('todos'))   // readonly MapRow<DataOf<Todo>>[]
 */
export function useMap(chain: Chain, options?: MapOptions): readonly MapRow<Data>[]
export function useMap<T>(chain: TypedChain<T>, options?: MapOptions): readonly MapRow<DataOf<ItemOf<T>>>[]
export function useMap(chain: unknown, options: MapOptions = {}): readonly MapRow<Data>[] {
  const runtime = runtimeChain(chain, 'useMap')
  if (runtime.step.kind === 'map')
    throw new TrellisError('INVALID_DATA', 'useMap() takes the chain of the collection itself: useMap(db.get(...)), without .map()')
  const max = options.max ?? DEFAULT_MAX_ROWS
  if (!Number.isInteger(max) || max < 1) throw new TrellisError('INVALID_DATA', `useMap() max must be a positive integer; got ${max}`)
  const key = pathKey(runtime)
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the path (and database), not on the chain object apps rebuild every render.
  const store = useMemo(() => createMapStore(runtime, max), [runtime.root, key, max])
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}
