import { GraphNode } from '../core/node.js'
import { createSortedSouls } from '../core/sorted-souls.js'
import { inRange, type KeyRange, type StorageAdapter } from '../core/storage-contract.js'
import { TrellisError } from '../core/errors.js'

/**
 * The in-memory store: the storage contract over a Map, for tests, browsers
 * without IndexedDB and ephemeral relays. Nodes are copied in and out, so a
 * caller can never mutate what is stored.
 */
export function createMemoryStorage(): StorageAdapter {
  const nodes = new Map<string, GraphNode>()
  // Kept sorted (from the first listing on), so a LEX read over souls is a binary search, not a sort of every soul.
  const sortedSouls = createSortedSouls(() => nodes.keys())
  let closed = false

  const ensureOpen = () => {
    if (closed) throw new TrellisError('CLOSED', 'Storage is closed')
  }

  return {
    async get(soul, range) {
      ensureOpen()
      const node = nodes.get(soul)
      if (node === undefined) return undefined
      if (range === undefined) return node.clone()
      const out = new GraphNode(soul)
      const order = node.keys.map((_, i) => i).sort((a, b) => compare(node.keys[a], node.keys[b]))
      if (range.reverse) order.reverse()
      for (const i of order) {
        if (range.limit !== undefined && out.size >= range.limit) break
        if (inRange(node.keys[i], range)) out.set(node.keys[i], node.values[i], node.states[i])
      }
      return out
    },
    getNow(soul) {
      ensureOpen()
      return nodes.get(soul)?.clone()
    },
    async put(diff) {
      ensureOpen()
      for (const node of diff) {
        let held = nodes.get(node.soul)
        if (held === undefined) {
          nodes.set(node.soul, (held = new GraphNode(node.soul)))
          sortedSouls.add(node.soul)
        }
        held.assign(node)
      }
    },
    async souls(range?: KeyRange) {
      ensureOpen()
      return sortedSouls.query(range)
    },
    async close() {
      closed = true
    },
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
