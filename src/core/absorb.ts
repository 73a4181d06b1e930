import type { Origin, PutOutcome } from './engine-types.js'
import { type GraphNode, without } from './node.js'

export interface AbsorbParts {
  /** True when memory holds the soul. */
  held(soul: string): boolean
  /** The engine's HAM merge into memory (with origin 'storage': nothing is stored, listeners hear what changed). */
  apply(nodes: GraphNode[], origin: Origin): PutOutcome
  /** The engine's read: memory, else storage (then kept in memory). */
  read(soul: string): Promise<GraphNode | undefined>
  /** Tell watchers and change listeners. */
  notify(changed: GraphNode[], origin: Origin): void
}

const RESOLVED = Promise.resolve()

/**
 * The engine's way in for origin 'storage': changes another process sharing
 * the store has made durable (another browser tab). Souls in memory take
 * them by HAM, without storing them again. A soul not in memory is loaded —
 * storage has the change already, so HAM would find nothing new and nobody
 * would hear of it — and its listeners hear the keys of the change that are
 * still current in storage (a later write may have replaced some).
 */
export function createAbsorb(parts: AbsorbParts): (nodes: GraphNode[], origin: Origin) => Promise<PutOutcome> {
  return async (nodes, origin) => {
    const inMemory = nodes.filter((node) => parts.held(node.soul))
    const outcome: PutOutcome = inMemory.length === 0 ? { changed: [], deferred: 0, durable: RESOLVED } : parts.apply(inMemory, origin)
    for (const node of nodes) {
      if (inMemory.includes(node)) continue
      const stored = await parts.read(node.soul)
      if (stored === undefined) {
        // The store does not list the soul yet (its news of it is still on the way): the change itself is the node.
        outcome.changed.push(...parts.apply([node], origin).changed)
        continue
      }
      let stale: number[] | undefined
      for (let i = 0; i < node.keys.length; i++) {
        const at = stored.indexOf(node.keys[i])
        if (at === -1 || stored.states[at] !== node.states[i]) (stale ??= []).push(i)
      }
      const current = stale === undefined ? node : without(node, stale)
      if (current.keys.length === 0) continue
      outcome.changed.push(current)
      parts.notify([current], origin)
    }
    return outcome
  }
}
