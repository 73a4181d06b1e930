import type { KeyRange } from '../core/storage-contract.js'
import { isPlainObject } from './message.js'

/** What a GET's `.` asks for: the whole node, one key, or a lexical range of keys. */
export type KeySelector = { kind: 'node' } | { kind: 'key'; key: string } | { kind: 'range'; range: KeyRange } | { kind: 'invalid' }

/** What a GET's `#` asks for: one soul, or a lexical range of souls. */
export type SoulSelector = { kind: 'soul'; soul: string } | { kind: 'range'; range: KeyRange } | { kind: 'invalid' }

/** Longest text accepted in a LEX condition (`*`, `>`, `<`, `=`). */
const MAX_LEX_TEXT = 1024

/** The conditions that make a LEX object a range (`=` is an exact match, handled apart). */
const RANGE_FIELDS = ['*', '>', '<'] as const

type Lex = Record<string, unknown>

/** Read Gun's LEX (`{"*":prefix}`, `{">":from,"<":to}`, `{"=":key}`, `"-"` for reverse) from a hostile GET. */
export function keySelector(get: Lex): KeySelector {
  const dot = own(get, '.')
  if (dot === undefined) return { kind: 'node' }
  if (typeof dot === 'string') return dot === '' ? { kind: 'invalid' } : { kind: 'key', key: dot }
  if (!isPlainObject(dot)) return { kind: 'invalid' }
  if (Object.hasOwn(dot, '=')) {
    const exact = text(dot, '=')
    return exact === undefined || exact === '' ? { kind: 'invalid' } : { kind: 'key', key: exact }
  }
  const range = lexRange(dot, get)
  return range === undefined ? { kind: 'invalid' } : { kind: 'range', range }
}

/**
 * Read a GET's `#`: a soul, or Gun's LEX over souls (`{"#": {"*": "user/"}}`).
 * A LEX `{"=": soul}` is a plain read of that soul, as stock Gun's own client
 * turns it into one. Stock Gun's chain API sends `gun.get({'#': {'*': p}})` as
 * `{"get": {"*": p}}` — the `#` level is lost — so a GET with no `#` but with
 * range conditions at its top is read as the same LEX over souls.
 */
export function soulSelector(get: Lex, maxSoulChars: number): SoulSelector {
  const hash = own(get, '#')
  if (typeof hash === 'string') return hash !== '' && hash.length <= maxSoulChars ? { kind: 'soul', soul: hash } : { kind: 'invalid' }
  if (isPlainObject(hash)) return soulLex(hash, get)
  if (hash === undefined && RANGE_FIELDS.some((name) => Object.hasOwn(get, name))) return soulLex(get, get)
  return { kind: 'invalid' }
}

function soulLex(lex: Lex, get: Lex): SoulSelector {
  if (Object.hasOwn(lex, '=')) {
    const exact = text(lex, '=')
    return exact === undefined || exact === '' ? { kind: 'invalid' } : { kind: 'soul', soul: exact }
  }
  const range = lexRange(lex, get)
  // A range over souls needs a condition: `{"*": ""}` asks for every soul, `{}` or garbage asks for nothing.
  if (range === undefined || (range.prefix === undefined && range.gte === undefined && range.lte === undefined)) return { kind: 'invalid' }
  return { kind: 'range', range }
}

/** The range a LEX object describes; undefined when a condition is present but not a (short enough) string. */
function lexRange(lex: Lex, get: Lex): KeyRange | undefined {
  const range: KeyRange = {}
  for (const name of RANGE_FIELDS) {
    if (!Object.hasOwn(lex, name)) continue
    const value = text(lex, name)
    if (value === undefined) return undefined
    if (name === '*') range.prefix = value
    else if (name === '>') range.gte = value
    else range.lte = value
  }
  if (Object.hasOwn(get, '-') || Object.hasOwn(lex, '-')) range.reverse = true
  return range
}

/**
 * The JSON budget of a LEX read's replies, from the GET's `%`: a positive
 * number of characters, at most `max`. Anything else (absent, negative, NaN,
 * text, an object, Infinity) gives `fallback`, so no input decides what we allocate.
 */
export function lexBudget(get: Lex, fallback: number, max: number): number {
  const asked = own(get, '%')
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= 0) return fallback
  return Math.min(Math.ceil(asked), max)
}

function own(object: Lex, name: string): unknown {
  return Object.hasOwn(object, name) ? object[name] : undefined
}

function text(object: Lex, name: string): string | undefined {
  const value = own(object, name)
  return typeof value === 'string' && value.length <= MAX_LEX_TEXT ? value : undefined
}
