import { GraphNode } from '../core/node.js'
import { inRange, type KeyRange } from '../core/storage-contract.js'

// Shared by the log (Node) and IndexedDB (browser) stores: it lives beside them, not inside
// either, so a browser bundle of the IndexedDB store never reaches into storage/log.

/** Gun's LEX over the keys of one node: the keys inside range, in lexical order (reversed on request), at most `limit`. */
export function sliceNode(node: GraphNode, range: KeyRange): GraphNode {
  const out = new GraphNode(node.soul)
  const order: number[] = []
  for (let i = 0; i < node.keys.length; i++) if (inRange(node.keys[i], range)) order.push(i)
  order.sort((a, b) => compare(node.keys[a], node.keys[b]))
  if (range.reverse) order.reverse()
  const limit = range.limit ?? Infinity
  for (const i of order) {
    if (out.size >= limit) break
    out.set(node.keys[i], node.values[i], node.states[i])
  }
  return out
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
