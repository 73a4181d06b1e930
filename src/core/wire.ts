import { TrellisError } from './errors.js'
import { GraphNode } from './node.js'
import { isValue, type WireGraph } from './types.js'

const MAX_TEXT_IN_ERROR = 40

/**
 * Validate a wire `put` graph and turn it into nodes, all or nothing: one
 * bad node or key refuses the whole graph (stock Gun applies the keys it
 * met before the bad one). Error texts are Gun's where Gun has one.
 * The input is hostile JSON: only own properties are read, so souls and
 * keys such as `__proto__` or `constructor` are ordinary strings.
 */
export function parseWireGraph(graph: unknown): GraphNode[] {
  if (!isPlainObject(graph)) throw new TrellisError('INVALID_GRAPH', 'Invalid graph!')
  const nodes: GraphNode[] = []
  for (const soul of Object.keys(graph)) {
    const wire = (graph as Record<string, unknown>)[soul]
    const where = `'${clip(soul)}'`
    if (soul === '') throw new TrellisError('INVALID_GRAPH', `Invalid graph! ${where} no soul.`, soul)
    if (!isPlainObject(wire)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! ${where} no node.`, soul)
    const meta = Object.hasOwn(wire, '_') ? wire._ : undefined
    if (!isPlainObject(meta)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! ${where} no meta.`, soul)
    if (!Object.hasOwn(meta, '#') || meta['#'] !== soul) {
      throw new TrellisError('INVALID_GRAPH', `Invalid graph! ${where} soul not same.`, soul)
    }
    const states = Object.hasOwn(meta, '>') ? meta['>'] : undefined
    if (!isPlainObject(states)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! ${where} no state.`, soul)
    const node = new GraphNode(soul)
    for (const key of Object.keys(wire)) {
      if (key === '_') continue
      const path = `${soul}.${key}`
      const state = Object.hasOwn(states, key) ? states[key] : undefined
      if (state === undefined) {
        throw new TrellisError('INVALID_STATE', `Invalid graph! '${clip(key)}' on ${where} no state.`, path)
      }
      if (typeof state !== 'number' || !Number.isFinite(state)) {
        throw new TrellisError('INVALID_STATE', `Invalid graph! '${clip(key)}' on ${where} bad state.`, path)
      }
      const value = wire[key]
      if (!isValue(value)) {
        throw new TrellisError('INVALID_DATA', `Invalid graph! '${clip(key)}' on ${where} bad ${describe(value)}.`, path)
      }
      node.set(key, value === null || typeof value !== 'object' ? value : { '#': value['#'] }, state)
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

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  return typeof value
}

function clip(text: string): string {
  return text.length > MAX_TEXT_IN_ERROR ? `${text.slice(0, MAX_TEXT_IN_ERROR)}…` : text
}
