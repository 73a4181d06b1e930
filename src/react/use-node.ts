import { use, useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import type { Chain, Data } from '../core/chain/chain.js'
import { TrellisError } from '../core/errors.js'
import type { DataOf, TypedChain } from '../typed.js'
import { pathKey, runtimeChain } from './chain-handle.js'
import { firstRead, forgetFirstRead } from './first-read.js'
import { createNodeStore } from './node-store.js'

/**
 * The data at `chain`, live: a node's copy (values, links as `{'#': soul}`, and `_`) or a value;
 * `undefined` while nothing is there (not read yet, missing, or deleted). The component re-renders
 * when the values change, not when a delivery repeats the same values.
 *
 *   const profile = useNode(db.get('users').get(id))   // DataOf<User> | undefined
 *
 * A new chain object on every render is fine: the subscription follows the path, not the object.
 */
export function useNode(chain: Chain): Data
export function useNode<T>(chain: TypedChain<T>): DataOf<T> | undefined
export function useNode(chain: unknown): Data {
  return useLiveNode(chain, undefined, 'useNode')
}

/**
 * `useNode` for a `<Suspense>` boundary: the component suspends until the first read of `chain`
 * completes (memory, storage and the connected peers answered, or the read timed out), then
 * follows it live as `useNode` does. `undefined` after that means nothing is there.
 */
export function useNodeSuspense(chain: Chain): Data
export function useNodeSuspense<T>(chain: TypedChain<T>): DataOf<T> | undefined
export function useNodeSuspense(chain: unknown): Data {
  const runtime = checked(chain, 'useNodeSuspense')
  const key = pathKey(runtime)
  // Once mounted, the component keeps its own first read: a re-render must not suspend again.
  const kept = useRef<{ key: string; read: Promise<Data> } | undefined>(undefined)
  const read = kept.current?.key === key ? kept.current.read : firstRead(runtime, key)
  const data = use(read)
  useEffect(() => {
    kept.current = { key, read }
    // The live store took over; the next component to mount here reads afresh.
    forgetFirstRead(runtime.root, key)
  }, [runtime.root, key, read])
  return useLiveNode(runtime, data, 'useNodeSuspense')
}

function useLiveNode(chain: unknown, initial: Data, hook: string): Data {
  const runtime = checked(chain, hook)
  const key = pathKey(runtime)
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the path (and database), not on the chain object apps rebuild every render.
  const store = useMemo(() => createNodeStore(runtime, initial), [runtime.root, key])
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot)
}

function checked(chain: unknown, hook: string): Chain {
  const runtime = runtimeChain(chain, hook)
  if (runtime.step.kind === 'map') throw new TrellisError('INVALID_DATA', `${hook}() reads one place; for the items of a node use useMap(chain) without .map()`)
  return runtime
}
