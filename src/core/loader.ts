import { wins } from './ham.js'
import type { MemoryBound } from './memory-bound.js'
import type { GraphNode } from './node.js'
import type { StorageAdapter } from './storage-contract.js'

/**
 * Brings nodes from storage into the engine's memory: one storage read per
 * soul at a time, merged with writes applied while it ran, and no promise
 * at all when the store can answer at once (`getNow`).
 */
export interface Loader {
  /** The node, from memory or else from storage (then held in memory). */
  load(soul: string): Promise<GraphNode | undefined>
  /**
   * Make sure every node a write touches is in memory before HAM compares
   * against it: undefined when that is already so (or was done
   * synchronously), else a promise. Throws what a synchronous read throws.
   */
  ensure(nodes: readonly GraphNode[]): Promise<unknown> | undefined
}

export function createLoader(graph: Map<string, GraphNode>, storage: StorageAdapter, bound: MemoryBound): Loader {
  const loading = new Map<string, Promise<GraphNode | undefined>>()

  /** With nothing else loading the soul, what a synchronous store holds is simply what is stored. */
  // `getNow` is looked up on each call: a store still opening gains it once open (storage/open-later.ts).
  const loadNow = (soul: string, store: StorageAdapter): GraphNode | undefined => {
    const stored = store.getNow!(soul)
    if (stored !== undefined) bound.set(soul, stored)
    return stored
  }

  const loadLater = (soul: string): Promise<GraphNode | undefined> => {
    let pending = loading.get(soul)
    if (pending !== undefined) return pending
    pending = storage.get(soul).then(
      (stored) => {
        loading.delete(soul)
        const current = graph.get(soul)
        if (stored === undefined) return current
        if (current === undefined) {
          bound.set(soul, stored)
          bound.trim()
          return stored
        }
        // Writes applied while storage was read: keep whichever wins per key.
        for (let i = 0; i < stored.keys.length; i++) {
          const key = stored.keys[i]
          if (!current.has(key) || wins(stored.states[i], stored.values[i], current.stateOf(key), current.get(key))) {
            current.set(key, stored.values[i], stored.states[i])
          }
        }
        // Rare (a write raced the read): count the merged node afresh.
        bound.set(soul, current)
        return current
      },
      (error: unknown) => {
        loading.delete(soul)
        throw error
      },
    )
    loading.set(soul, pending)
    return pending
  }

  return {
    load(soul) {
      const held = graph.get(soul)
      if (held !== undefined) return Promise.resolve(held)
      if (storage.getNow === undefined || loading.has(soul)) return loadLater(soul)
      try {
        const node = loadNow(soul, storage)
        bound.trim()
        return Promise.resolve(node)
      } catch (error) {
        return Promise.reject(error)
      }
    },

    ensure(nodes) {
      let misses: Promise<unknown>[] | undefined
      for (const node of nodes) {
        if (graph.has(node.soul)) continue
        // No trimming in between: one write's nodes must all be in memory when HAM runs.
        if (storage.getNow !== undefined && !loading.has(node.soul)) loadNow(node.soul, storage)
        else (misses ??= []).push(loadLater(node.soul))
      }
      if (misses === undefined) return undefined
      // Pinned while the loads run, so reads trimming memory meanwhile cannot drop what HAM must compare against.
      for (const node of nodes) bound.pin(node.soul)
      const unpin = () => {
        for (const node of nodes) bound.unpin(node.soul)
      }
      return Promise.all(misses).then(unpin, (error: unknown) => {
        unpin()
        throw error
      })
    },
  }
}
