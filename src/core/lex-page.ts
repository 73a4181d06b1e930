import { GraphNode } from './node.js'
import { inRange, type KeyRange } from './storage-contract.js'
import type { Value } from './types.js'

// One page of a node for Gun's LEX reads (`.` conditions, `-` reverse, `%` budget), shared by the
// stores, the mesh's GET handler and the chain's `get({'.': …})`, so all three cut pages alike.

/** The keys of `node` inside `range`, in lexical order (reversed on request), at most `range.limit`. */
export function sliceNode(node: GraphNode, range: KeyRange): GraphNode {
  const out = new GraphNode(node.soul)
  const order: number[] = []
  for (let i = 0; i < node.keys.length; i++) if (inRange(node.keys[i], range)) order.push(i)
  order.sort((a, b) => compareKeys(node.keys[a], node.keys[b]))
  if (range.reverse) order.reverse()
  const limit = range.limit ?? Infinity
  for (const i of order) {
    if (out.size >= limit) break
    out.set(node.keys[i], node.values[i], node.states[i])
  }
  return out
}

/** JS string order (UTF-16 code units), as Gun compares keys and souls. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Roughly the JSON characters a node adds to a reply (`"soul":{"_":{"#":…,">":{…}},…}`),
 * counted until it passes `stopAbove` (then any larger number is returned).
 */
export function nodeCost(node: GraphNode, stopAbove = Infinity): number {
  let cost = 2 * quoted(node.soul) + 20
  for (let i = 0; i < node.keys.length && cost <= stopAbove; i++) cost += keyCost(node.keys[i], node.values[i], node.states[i])
  return cost
}

/** The first keys of a node (in its order) that fit in `budget` JSON characters — at least one, so a reader makes progress. */
export function keysWithin(node: GraphNode, budget: number): GraphNode {
  let spent = 2 * quoted(node.soul) + 20
  let count = 0
  while (count < node.keys.length) {
    spent += keyCost(node.keys[count], node.values[count], node.states[count])
    if (count > 0 && spent > budget) break
    count++
  }
  if (count === node.keys.length) return node
  return new GraphNode(node.soul, node.keys.slice(0, count), node.values.slice(0, count), node.states.slice(0, count))
}

/** `"key":value` in the node plus `"key":state` in its `>`, with separators. */
function keyCost(key: string, value: Value, state: number): number {
  return 2 * quoted(key) + valueCost(value) + String(state).length + 4
}

function valueCost(value: Value): number {
  if (typeof value === 'string') return quoted(value)
  if (value !== null && typeof value === 'object') return quoted(value['#']) + 6
  return String(value).length
}

/** Length of a string as JSON text, escapes included. */
function quoted(text: string): number {
  return JSON.stringify(text).length
}
