import { TrellisError } from './errors.js'
import { GraphNode } from './node.js'
import type { WireGraph } from './types.js'
import { clip, DEFAULT_VALIDATION_LIMITS, keyError, soulError, valueError, type ValidationLimits } from './validate.js'

/**
 * Validate a wire `put` graph and turn it into nodes, all or nothing: one
 * bad node or key refuses the whole graph (stock Gun applies the keys it
 * met before the bad one). The structure of a node (`_` with `#` equal to
 * its soul and a `>` state per key) is checked with Gun's `Invalid graph!`
 * texts; souls, keys and values go through the rules every entry point
 * shares (core/validate.ts), with the same messages as the chain and REST.
 * The input is hostile JSON: only own properties are read, so souls and
 * keys such as `__proto__` or `constructor` are ordinary strings.
 * This is the relay's hot path: every check here is O(1) per key and
 * allocates nothing unless it refuses.
 */
export function parseWireGraph(graph: unknown, limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS): GraphNode[] {
  if (!isPlainObject(graph)) throw new TrellisError('INVALID_GRAPH', 'Invalid graph!')
  const nodes: GraphNode[] = []
  const maxKeyChars = limits.maxKeyChars
  const maxValueChars = limits.maxValueChars
  for (const soul of Object.keys(graph)) {
    const wire = (graph as Record<string, unknown>)[soul]
    if (soul === '') throw new TrellisError('INVALID_GRAPH', "Invalid graph! '' no soul.", soul)
    if (soul.length > limits.maxSoulChars) throw soulError(soul, limits) as TrellisError
    if (!isPlainObject(wire)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no node.`, soul)
    const meta = Object.hasOwn(wire, '_') ? wire._ : undefined
    if (!isPlainObject(meta)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no meta.`, soul)
    if (!Object.hasOwn(meta, '#') || meta['#'] !== soul) {
      throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' soul not same.`, soul)
    }
    const states = Object.hasOwn(meta, '>') ? meta['>'] : undefined
    if (!isPlainObject(states)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no state.`, soul)
    const node = new GraphNode(soul)
    for (const key of Object.keys(wire)) {
      if (key === '_') continue
      if (key.length > maxKeyChars || key === '') throw keyError(key, soul, limits) as TrellisError
      const state = Object.hasOwn(states, key) ? states[key] : undefined
      if (state === undefined) {
        throw new TrellisError('INVALID_STATE', `Invalid graph! '${clip(key)}' on '${clip(soul)}' no state.`, `${clip(soul)}.${clip(key)}`)
      }
      if (typeof state !== 'number' || !Number.isFinite(state)) {
        throw new TrellisError('INVALID_STATE', `Invalid graph! '${clip(key)}' on '${clip(soul)}' bad state.`, `${clip(soul)}.${clip(key)}`)
      }
      const value = wire[key]
      // The common values inline; everything else (links, refusals) through the shared rule.
      if (typeof value === 'string') {
        if (value.length > maxValueChars) throw valueError(value, `${soul}.${key}`, limits) as TrellisError
        node.set(key, value, state)
      } else if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        node.set(key, value, state)
      } else {
        const error = valueError(value, `${soul}.${key}`, limits)
        if (error !== undefined) throw error
        const link = value as { '#': string }
        node.set(key, { '#': link['#'] }, state)
      }
    }
    nodes.push(node)
  }
  return nodes
}

/** Wire form of nodes: `{ soul: { _: {'#', '>'}, ...keys } }`. */
export function toWireGraph(nodes: readonly GraphNode[]): WireGraph {
  const graph: Record<string, unknown> = {}
  for (const node of nodes) {
    const wire = node.toWire()
    if (node.soul === '__proto__') Object.defineProperty(graph, node.soul, { value: wire, enumerable: true, writable: true, configurable: true })
    else graph[node.soul] = wire
  }
  return graph as WireGraph
}

/**
 * `JSON.stringify(toWireGraph(nodes))` without building the objects: the
 * same text, written straight from the node arrays. It is what every put a
 * peer sends or relays costs, so it skips the intermediate graph.
 */
export function wireGraphText(nodes: readonly GraphNode[]): string {
  let out = '{'
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]
    const soul = JSON.stringify(node.soul)
    const { keys, values, states } = node
    let stateText = ''
    let body = ''
    for (let i = 0; i < keys.length; i++) {
      const key = JSON.stringify(keys[i])
      const value = values[i]
      stateText += (i === 0 ? '' : ',') + key + ':' + JSON.stringify(states[i])
      body += ',' + key + ':' + (value !== null && typeof value === 'object' ? '{"#":' + JSON.stringify(value['#']) + '}' : JSON.stringify(value))
    }
    out += (n === 0 ? '' : ',') + soul + ':{"_":{"#":' + soul + ',">":{' + stateText + '}}' + body + '}'
  }
  return out + '}'
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
