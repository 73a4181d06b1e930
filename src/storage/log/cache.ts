import type { GraphNode } from '../../core/node.js'

/**
 * A bounded LRU of decoded nodes, so the graph need not fit in RAM. A Map
 * keeps insertion order, so re-inserting on use makes the first key the
 * least recently used.
 */
export function createNodeCache(capacity: number) {
  const nodes = new Map<string, GraphNode>()
  return {
    get(soul: string): GraphNode | undefined {
      const node = nodes.get(soul)
      if (node !== undefined) {
        nodes.delete(soul)
        nodes.set(soul, node)
      }
      return node
    },
    /** Look without touching recency (write path). */
    peek(soul: string): GraphNode | undefined {
      return nodes.get(soul)
    },
    set(soul: string, node: GraphNode): void {
      if (capacity <= 0) return
      nodes.delete(soul)
      nodes.set(soul, node)
      if (nodes.size > capacity) {
        const oldest = nodes.keys().next()
        if (oldest.done !== true) nodes.delete(oldest.value)
      }
    },
    clear(): void {
      nodes.clear()
    },
    get size(): number {
      return nodes.size
    },
  }
}

export type NodeCache = ReturnType<typeof createNodeCache>
