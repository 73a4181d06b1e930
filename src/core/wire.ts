import { TrellisError } from './errors.js'
import { GraphNode } from './node.js'
import type { Value, WireGraph } from './types.js'
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
 */
export function parseWireGraph(graph: unknown, limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS): GraphNode[] {
  const parser = new WireGraphParser(graph, limits)
  parser.step(Infinity)
  return parser.nodes
}

/**
 * `parseWireGraph` a bounded number of keys at a time, so that a put of
 * 100 000 keys (~40 ms to check) can be checked in slices between other
 * peers' work (mesh/put-task.ts). `step` throws the refusal of the first
 * bad soul or key it meets; `nodes` is complete once `step` returned true.
 * This is the relay's hot path: every check is O(1) per key and allocates
 * nothing unless it refuses; a one-key put is one step.
 */
export class WireGraphParser {
  readonly nodes: GraphNode[] = []
  private readonly graph: Record<string, unknown>
  private readonly souls: string[]
  private soulAt = 0
  // The node being read: its own keys, the next one to read, and what has been read of it.
  private wire: Record<string, unknown> | undefined = undefined
  private states: Record<string, unknown> = {}
  private wireKeys: string[] = []
  private keyAt = 0
  private keys: string[] = []
  private values: Value[] = []
  private stateList: number[] = []

  constructor(
    graph: unknown,
    private readonly limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS,
  ) {
    if (!isPlainObject(graph)) throw new TrellisError('INVALID_GRAPH', 'Invalid graph!')
    this.graph = graph
    this.souls = Object.keys(graph)
  }

  /** Read up to `maxKeys` keys (and at least one node's header); true when the whole graph is read. */
  step(maxKeys: number): boolean {
    let budget = maxKeys
    while (budget > 0) {
      if (this.wire === undefined) {
        if (this.soulAt >= this.souls.length) return true
        this.open(this.souls[this.soulAt++])
      }
      budget -= this.readKeys(budget)
      if (this.keyAt >= this.wireKeys.length) this.close()
    }
    return this.wire === undefined && this.soulAt >= this.souls.length
  }

  /** Check a node's soul and meta, and start reading its keys. */
  private open(soul: string): void {
    const wire = this.graph[soul]
    if (soul === '') throw new TrellisError('INVALID_GRAPH', "Invalid graph! '' no soul.", soul)
    if (soul.length > this.limits.maxSoulChars) throw soulError(soul, this.limits) as TrellisError
    if (!isPlainObject(wire)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no node.`, soul)
    const meta = Object.hasOwn(wire, '_') ? wire._ : undefined
    if (!isPlainObject(meta)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no meta.`, soul)
    if (!Object.hasOwn(meta, '#') || meta['#'] !== soul) {
      throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' soul not same.`, soul)
    }
    const states = Object.hasOwn(meta, '>') ? meta['>'] : undefined
    if (!isPlainObject(states)) throw new TrellisError('INVALID_GRAPH', `Invalid graph! '${clip(soul)}' no state.`, soul)
    this.wire = wire
    this.states = states
    this.wireKeys = Object.keys(wire)
    this.keyAt = 0
    // Own keys are unique, so they go straight into the node's arrays: no lookups while checking.
    this.keys = []
    this.values = []
    this.stateList = []
  }

  /** Read up to `budget` keys of the open node; returns how many were read. */
  private readKeys(budget: number): number {
    const wire = this.wire as Record<string, unknown>
    const soul = this.souls[this.soulAt - 1]
    const { states, wireKeys, keys, values, stateList, limits } = this
    const maxKeyChars = limits.maxKeyChars
    const maxValueChars = limits.maxValueChars
    const end = Math.min(wireKeys.length, this.keyAt + budget)
    const from = this.keyAt
    for (let k = from; k < end; k++) {
      const key = wireKeys[k]
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
        values.push(value)
      } else if (value === null || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        values.push(value)
      } else {
        const error = valueError(value, `${soul}.${key}`, limits)
        if (error !== undefined) throw error
        values.push({ '#': (value as { '#': string })['#'] })
      }
      keys.push(key)
      stateList.push(state)
    }
    this.keyAt = end
    // A node with no keys still costs one, so every step moves forward.
    return Math.max(1, end - from)
  }

  private close(): void {
    this.nodes.push(new GraphNode(this.souls[this.soulAt - 1], this.keys, this.values, this.stateList))
    this.wire = undefined
  }
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
