import { setOwn, type Value } from './types.js'

/** Past this many keys a node keeps a Map index; below it a linear scan is faster and smaller. */
const INDEX_THRESHOLD = 12

/**
 * One node of the graph: parallel arrays of keys, values and HAM states.
 * A class because it is the hot data shape (stable hidden class, packed
 * double array for states); keys are plain strings, never object properties,
 * so `__proto__` or `constructor` are ordinary keys here.
 */
export class GraphNode {
  readonly soul: string
  // Treat as read-only outside this class: writes go through set/setAt so `version` and the index stay right.
  keys: string[]
  values: Value[]
  states: number[]
  /** Bumped by every write, so observers can tell whether they have seen this content. */
  version = 0
  private index: Map<string, number> | undefined = undefined

  /** Pass exact-length arrays when the keys are known: arrays grown by push reserve 17 slots. */
  constructor(soul: string, keys: string[] = [], values: Value[] = [], states: number[] = []) {
    this.soul = soul
    this.keys = keys
    this.values = values
    this.states = states
  }

  get size(): number {
    return this.keys.length
  }

  /** Position of `key` in the node's keys, or -1. */
  indexOf(key: string): number {
    if (this.index !== undefined) return this.index.get(key) ?? -1
    const keys = this.keys
    // Built on the first lookup, not on construction: a node that is only read through (a put's
    // incoming node, a reply's slice) never pays for a Map of its keys.
    if (keys.length > INDEX_THRESHOLD) return this.buildIndex().get(key) ?? -1
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return i
    return -1
  }

  /** True when the node holds `key`. */
  has(key: string): boolean {
    return this.indexOf(key) !== -1
  }

  /** The value at key, or undefined when the node has no such key. */
  get(key: string): Value | undefined {
    const i = this.indexOf(key)
    return i === -1 ? undefined : this.values[i]
  }

  /** The HAM state of key, or -Infinity when the node has no such key. */
  stateOf(key: string): number {
    const i = this.indexOf(key)
    return i === -1 ? -Infinity : this.states[i]
  }

  /** Write a key unconditionally (HAM has already decided). */
  set(key: string, value: Value, state: number): void {
    this.version++
    const i = this.indexOf(key)
    if (i !== -1) {
      this.values[i] = value
      this.states[i] = state
      return
    }
    const at = this.keys.length
    this.keys.push(key)
    this.values.push(value)
    this.states.push(state)
    if (this.index !== undefined) this.index.set(key, at)
  }

  /** Overwrite the key at position `at` (from `indexOf`). */
  setAt(at: number, value: Value, state: number): void {
    this.version++
    this.values[at] = value
    this.states[at] = state
  }

  /** Copy every key of `other` into this node unconditionally. */
  assign(other: GraphNode): void {
    for (let i = 0; i < other.keys.length; i++) this.set(other.keys[i], other.values[i], other.states[i])
  }

  /** A copy sharing nothing mutable with this node. */
  clone(): GraphNode {
    return new GraphNode(this.soul, this.keys.slice(), this.values.slice(), this.states.slice())
  }

  /** Wire form `{ _: { '#', '>' }, ...keys }`, a fresh object the caller may keep or mutate. */
  toWire(): Record<string, unknown> {
    const states: Record<string, number> = {}
    const out: Record<string, unknown> = { _: { '#': this.soul, '>': states } }
    for (let i = 0; i < this.keys.length; i++) {
      const key = this.keys[i]
      const value = this.values[i]
      setOwn(out, key, value !== null && typeof value === 'object' ? { '#': value['#'] } : value)
      setOwn(states, key, this.states[i])
    }
    return out
  }

  private buildIndex(): Map<string, number> {
    const index = new Map<string, number>()
    for (let i = 0; i < this.keys.length; i++) index.set(this.keys[i], i)
    this.index = index
    return index
  }
}

/** The node minus the keys at the given (ascending) indices. */
export function without(node: GraphNode, skip: number[]): GraphNode {
  const size = node.keys.length - skip.length
  const keys: string[] = new Array(size)
  const values: GraphNode['values'] = new Array(size)
  const states: number[] = new Array(size)
  let out = 0
  let next = 0
  for (let i = 0; i < node.keys.length; i++) {
    if (next < skip.length && skip[next] === i) {
      next++
      continue
    }
    keys[out] = node.keys[i]
    values[out] = node.values[i]
    states[out++] = node.states[i]
  }
  return new GraphNode(node.soul, keys, values, states)
}
