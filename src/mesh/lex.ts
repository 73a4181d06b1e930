import type { KeyRange } from '../core/storage-contract.js'
import { isPlainObject } from './message.js'

/** What a GET's `.` asks for: the whole node, one key, or a lexical range of keys. */
export type KeySelector = { kind: 'node' } | { kind: 'key'; key: string } | { kind: 'range'; range: KeyRange } | { kind: 'invalid' }

const MAX_LEX_TEXT = 1024

/** Read Gun's LEX (`{"*":prefix}`, `{">":from,"<":to}`, `{"=":key}`, `"-"` for reverse) from a hostile GET. */
export function keySelector(get: Record<string, unknown>): KeySelector {
  const dot = Object.hasOwn(get, '.') ? get['.'] : undefined
  if (dot === undefined) return { kind: 'node' }
  if (typeof dot === 'string') return dot === '' ? { kind: 'invalid' } : { kind: 'key', key: dot }
  if (!isPlainObject(dot)) return { kind: 'invalid' }
  const exact = text(dot, '=')
  if (exact !== undefined) return { kind: 'key', key: exact }
  const range: KeyRange = {}
  const prefix = text(dot, '*')
  const gte = text(dot, '>')
  const lte = text(dot, '<')
  if (prefix !== undefined) range.prefix = prefix
  if (gte !== undefined) range.gte = gte
  if (lte !== undefined) range.lte = lte
  if (Object.hasOwn(get, '-') || Object.hasOwn(dot, '-')) range.reverse = true
  return { kind: 'range', range }
}

function text(object: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(object, name) ? object[name] : undefined
  return typeof value === 'string' && value.length <= MAX_LEX_TEXT ? value : undefined
}
