/** A link (edge) to another node: an object with exactly one key, `#`, naming a soul. */
export interface Link {
  readonly '#': string
}

/** The values a node's key may hold: Gun's set. `null` is a tombstone (a delete). */
export type Value = null | string | boolean | number | Link

/** A node in wire form: `{ _: { '#': soul, '>': { key: state } }, key: value, ... }`. */
export interface WireNode {
  _: { '#': string; '>': Record<string, number> }
  [key: string]: unknown
}

/** A graph in wire form: soul → node. Parsed from hostile JSON, so read with own-property checks only. */
export type WireGraph = Record<string, WireNode>

/** True for a link, `{ '#': soul }`. */
export function isLink(value: unknown): value is Link {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const keys = Object.keys(value)
  return keys.length === 1 && keys[0] === '#' && typeof (value as Link)['#'] === 'string' && (value as Link)['#'] !== ''
}

/** True for the values Gun accepts on a key. */
export function isValue(value: unknown): value is Value {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object':
      return value === null || isLink(value)
    default:
      return false
  }
}

/** Define an own property even when the key is `__proto__` (plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else {
    target[key] = value
  }
}

/** Read an own property only: inherited names such as `constructor` are not data. */
export function getOwn(target: object, key: string): unknown {
  return Object.hasOwn(target, key) ? (target as Record<string, unknown>)[key] : undefined
}
