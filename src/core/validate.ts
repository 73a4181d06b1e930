import { invalidData, TrellisError } from './errors.js'
import { isLink } from './types.js'

/**
 * The size rules every entry point applies to what it writes: the chain
 * (app code), a wire `put` from a peer, and the REST API. Lengths are
 * counted in UTF-16 code units (`string.length`), the unit JSON text and
 * the frame limit are measured in, and checking them costs O(1).
 */
export interface ValidationLimits {
  /** Longest soul, including path souls the chain builds (`parent/key`) and souls named by links. */
  maxSoulChars: number
  /** Longest key. Equal to the soul bound by default: `set()` keys list items by their soul. */
  maxKeyChars: number
  /** Longest string value (before JSON escaping). Half the default 8 MiB frame, so a value always fits one frame. */
  maxValueChars: number
}

export const DEFAULT_VALIDATION_LIMITS: Readonly<ValidationLimits> = Object.freeze({
  maxSoulChars: 4096,
  maxKeyChars: 4096,
  maxValueChars: 4 * 1024 * 1024,
})

/** Defaults filled in and each limit checked (a positive integer), so a bad setting fails at start, not per write. */
export function validationLimits(given: Partial<ValidationLimits> = {}): ValidationLimits {
  const limits: ValidationLimits = { ...DEFAULT_VALIDATION_LIMITS }
  for (const name of ['maxSoulChars', 'maxKeyChars', 'maxValueChars'] as const) {
    const value = given[name]
    if (value === undefined) continue
    if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`)
    limits[name] = value
  }
  return limits
}

const CLIP_CHARS = 40
const CLIP_PATH_CHARS = 160

/** A soul or key as shown in a message: never more than ~40 characters of hostile text. */
export function clip(text: string): string {
  return text.length > CLIP_CHARS ? `${text.slice(0, CLIP_CHARS)}…` : text
}

/** A dotted path as shown in a message: its start and its end when it is long. */
export function clipPath(path: string): string {
  return path.length > CLIP_PATH_CHARS ? `${path.slice(0, CLIP_PATH_CHARS - 40)}…${path.slice(-40)}` : path
}

/**
 * Why `soul` cannot be written, or undefined. `where` names the place that
 * wanted it (a link's key path); by default the soul itself.
 */
export function soulError(soul: string, limits: ValidationLimits, where?: string): TrellisError | undefined {
  if (soul.length <= limits.maxSoulChars && soul !== '') return undefined
  const at = where === undefined ? clip(soul) : clipPath(where)
  if (soul === '') return new TrellisError('INVALID_SOUL', `Invalid soul: empty soul at ${at}`, at)
  return new TrellisError('INVALID_SOUL', `Soul too long: ${soul.length} chars (max ${limits.maxSoulChars}) at ${at}`, at)
}

/** Why `key` cannot be a data key of the node at `path`, or undefined. `_` is metadata, handled by each caller. */
export function keyError(key: string, path: string, limits: ValidationLimits): TrellisError | undefined {
  if (key.length <= limits.maxKeyChars && key !== '') return undefined
  const at = clipPath(path)
  if (key === '') return new TrellisError('INVALID_KEY', `Invalid key: empty key at ${at}`, at)
  const where = `${at}.${clip(key)}`
  return new TrellisError('INVALID_KEY', `Key too long: ${key.length} chars (max ${limits.maxKeyChars}) at ${where}`, where)
}

/**
 * Why `value` cannot be stored at `path` (a key's dotted path), or
 * undefined: Gun's value set (null, string, boolean, finite number, link)
 * within the size limits. Nested objects are the chain's business (it turns
 * them into nodes); here a non-link object is refused, as on the wire.
 */
export function valueError(value: unknown, path: string, limits: ValidationLimits): TrellisError | undefined {
  switch (typeof value) {
    case 'string':
      return value.length <= limits.maxValueChars ? undefined : valueTooLong(value, path, limits)
    case 'boolean':
      return undefined
    case 'number':
      return Number.isFinite(value) ? undefined : invalidData(value, clipPath(path))
    case 'object':
      if (value === null) return undefined
      if (isLink(value)) return soulError(value['#'], limits, path)
      return invalidData(value, clipPath(path))
    default:
      return invalidData(value, clipPath(path))
  }
}

function valueTooLong(value: string, path: string, limits: ValidationLimits): TrellisError {
  const at = clipPath(path)
  return new TrellisError('INVALID_DATA', `Value too long: ${value.length} chars (max ${limits.maxValueChars}) at ${at}`, at)
}

/** Gun's text for a `_` that is not node metadata (an object): `Invalid data: number at a.b._`. */
export function metadataError(meta: unknown, path: string): TrellisError | undefined {
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) return undefined
  return invalidData(meta, `${clipPath(path)}._`)
}

/** An object the chain turns into a node: a plain object (prototype Object or null). */
export function isPlainData(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Bounds on the shape of one piece of app data (the REST API sets them per request). */
export interface DataShape {
  /** Deepest nesting of objects (each level is a linked node). */
  maxDepth: number
  /** Most keys, all levels together. */
  maxKeys: number
}

/** Where `checkData` refused, as path segments (the REST API echoes them as `a/b/c`). */
export interface DataRefusal {
  error: TrellisError
  at: string[]
}

/**
 * Check app data the way a chain `put` at `base` would write it, without
 * writing: the same rules and the same messages as the chain's ify step.
 * A plain object is a node (its `_` is metadata: an object whose `#`, if a
 * string, names the node's soul; nothing else in it is read), a link is a
 * value, anything else must be a value. Returns the first refusal.
 */
export function checkData(data: unknown, base: readonly string[], limits: ValidationLimits, shape?: DataShape): DataRefusal | undefined {
  const maxDepth = shape?.maxDepth ?? Infinity
  const maxKeys = shape?.maxKeys ?? Infinity
  const seen = new Set<object>()
  let keys = 0
  const refuse = (error: TrellisError, at: string[]): DataRefusal => ({ error, at })
  const walk = (value: unknown, path: string[], depth: number): DataRefusal | undefined => {
    const dotted = path.join('.')
    if (value === null || typeof value !== 'object' || isLink(value)) {
      const error = valueError(value, dotted, limits)
      return error === undefined ? undefined : refuse(error, path)
    }
    if (!isPlainData(value)) return refuse(invalidData(value, clipPath(dotted)), path)
    if (seen.has(value)) return undefined // a circular reference becomes a link
    seen.add(value)
    if (depth > maxDepth)
      return refuse(new TrellisError('INVALID_DATA', `Invalid data: nested deeper than ${maxDepth} levels at ${clipPath(dotted)}`, clipPath(dotted)), path)
    // `_` first, as the chain reads it first (it may name the node's soul).
    if (Object.hasOwn(value, '_')) {
      const meta = value._
      const bad = metadataError(meta, dotted) ?? ownSoulError(meta as object, dotted, limits)
      if (bad !== undefined) return refuse(bad, [...path, '_'])
    }
    // In the chain's order: keys and plain values first, then object values (links, nodes, refusals) in key order.
    const nested: string[] = []
    for (const key of Object.keys(value)) {
      if (key === '_') continue
      if (++keys > maxKeys) return refuse(new TrellisError('INVALID_DATA', `Invalid data: more than ${maxKeys} keys in one write`, clipPath(dotted)), path)
      const bad = keyError(key, dotted, limits)
      if (bad !== undefined) return refuse(bad, key === '' ? path : [...path, key])
      const item = value[key]
      if (item !== null && typeof item === 'object') nested.push(key)
      else {
        const refused = valueError(item, `${dotted}.${key}`, limits)
        if (refused !== undefined) return refuse(refused, [...path, key])
      }
    }
    for (const key of nested) {
      const inner = walk(value[key], [...path, key], depth + 1)
      if (inner !== undefined) return inner
    }
    return undefined
  }
  return walk(data, [...base], 0)
}

/** A `_['#']` soul that names the node must be a valid soul; a non-string `#` is ignored, as the chain does. */
export function ownSoulError(meta: object, path: string, limits: ValidationLimits): TrellisError | undefined {
  const soul = Object.hasOwn(meta, '#') ? (meta as Record<string, unknown>)['#'] : undefined
  if (typeof soul !== 'string' || soul === '') return undefined
  return soulError(soul, limits, `${path}._.#`)
}
