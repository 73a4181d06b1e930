import type { GraphNode } from './node.js'
import { setOwn, type Value } from './types.js'

/**
 * User space as SEA lays it out: a soul with `~<pub>` in it belongs to that
 * pub, and every value in it (but the account's own `pub`) is stored as
 * signed JSON text, `{":": value, "~": signature, ...}`. Readers see the
 * value, never the envelope (as stock Gun's chain does); the signature
 * itself is checked on the way in, by SEA's rules (sea/enforce.ts).
 */

/** The owner of a user-space soul, as stock SEA finds it: the two key parts after the first `~` (not `~@`). */
export function soulOwner(soul: string): string | undefined {
  const tilde = soul.indexOf('~')
  if (tilde === -1) return undefined
  const next = soul.indexOf('~', tilde + 1)
  const segment = soul.slice(tilde + 1, next === -1 ? undefined : next)
  if (segment === '') return undefined
  const parts = segment.split(/[^\w_-]/)
  if (parts.length < 2 || parts[0][0] === '@') return undefined
  return `${parts[0]}.${parts[1]}`
}

/** States before this are checked with SEA's pre-2020 digests too (sea/enforce.ts); newer data never needs them. */
export const LEGACY_BEFORE = Date.UTC(2020, 0, 1)

/**
 * The most signature checks a put from a peer can cost SEA's rules (sea/enforce.ts), for its peer to be
 * charged with: one a key in a soul with `~` in it; two for a key checked with the pre-2020 digests too (a
 * state before 2020, a `SEA{…}` value); two more for a value that may carry a certificate (`"+"`, or
 * any `\u` escape, which may spell the `+`), checked on each key. Junk signatures are free to make.
 */
export function signatureChecks(nodes: GraphNode[]): number {
  let checks = 0
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]
    if (node.soul.indexOf('~') === -1) continue
    checks += node.size
    for (let i = 0; i < node.size; i++) {
      const value = node.values[i]
      const text = typeof value === 'string'
      if (node.states[i] < LEGACY_BEFORE || (text && value.startsWith('SEA{'))) checks++
      if (text && (value.indexOf('"+"') !== -1 || value.indexOf('\\u') !== -1)) checks += 2
    }
  }
  return checks
}

/** A stored user-space value: `{":": value, "~": signature}`, with `"+"` (certificate) and `"*"` (writer) when certified. */
export interface Envelope {
  ':': unknown
  '~': string
  '+'?: unknown
  '*'?: unknown
}

/** The envelope a stored value holds, or undefined when it holds none. */
export function parseEnvelope(value: Value | undefined): Envelope | undefined {
  if (typeof value !== 'string' || value.charCodeAt(0) !== 123 /* { */) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  const envelope = parsed as Envelope
  return envelope[':'] !== undefined && typeof envelope['~'] === 'string' ? envelope : undefined
}

/** The value a reader sees at a key: in user space, the signed envelope's content; elsewhere the value itself. */
export function plainValue(soul: string, value: Value): Value
export function plainValue(soul: string, value: Value | undefined): Value | undefined
export function plainValue(soul: string, value: Value | undefined): Value | undefined {
  if (typeof value !== 'string' || soul.indexOf('~') === -1) return value
  if (value.startsWith('SEA{')) return soulOwner(soul) === undefined ? value : legacyValue(value)
  if (value.charCodeAt(0) !== 123 /* { */ || soulOwner(soul) === undefined) return value
  const envelope = parseEnvelope(value)
  if (envelope === undefined) return value
  const inner = envelope[':']
  if (inner === null || typeof inner === 'string' || typeof inner === 'boolean' || (typeof inner === 'number' && Number.isFinite(inner))) return inner
  if (typeof inner === 'object' && !Array.isArray(inner) && typeof (inner as Record<string, unknown>)['#'] === 'string') {
    return { '#': (inner as Record<string, string>)['#'] }
  }
  return value
}

/** The value of a pre-2020 signed message (checked on the way in): `m`, or the value of a `[soul, key, value, state]` m. */
function legacyValue(text: string): Value {
  let message: unknown
  try {
    message = JSON.parse(text.slice(3))
  } catch {
    return text
  }
  let m = (message as { m?: unknown } | null)?.m
  if (typeof m === 'string') {
    try {
      m = JSON.parse(m)
    } catch {
      // a plain string: the value itself
    }
  }
  if (Array.isArray(m) && m.length === 4) m = m[2]
  if (m === null || typeof m === 'string' || typeof m === 'boolean' || (typeof m === 'number' && Number.isFinite(m))) return m
  return text
}

/** A node's wire form as readers see it (`toWire` with user-space values unpacked). */
export function plainWire(node: GraphNode): Record<string, unknown> {
  const wire = node.toWire()
  if (node.soul.indexOf('~') === -1 || soulOwner(node.soul) === undefined) return wire
  for (let i = 0; i < node.keys.length; i++) {
    const value = plainValue(node.soul, node.values[i])
    if (value !== node.values[i]) setOwn(wire, node.keys[i], value)
  }
  return wire
}
