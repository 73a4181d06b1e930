import { TrellisError } from '../errors.js'
import { keysWithin, sliceNode } from '../lex-page.js'
import type { GraphNode } from '../node.js'
import type { KeyRange } from '../storage-contract.js'
import { isPlainObject } from './ify.js'
import type { LexStep } from './path.js'

/** What a LEX object given to `get()` asks for: a soul or key by another name (`{'#': x}`), or a range of keys. */
export type ChainLex = { kind: 'name'; name: string } | LexStep

/** Longest text accepted in one LEX condition (the mesh applies the same bound to wire GETs). */
const MAX_LEX_TEXT = 1024

/**
 * Read a LEX object given to `get()`. `{'#': soul}` and `{'#': {'=': soul}}` name a soul (as
 * stock turns them into `get(soul)`); `{'.': key}`, `{'.': {'=': key}}`, `{'.': {'*': prefix}}`
 * and `{'.': {'>': from, '<': to}}` (inclusive) select keys. Anything else is refused, naming `where`.
 */
export function parseChainLex(lex: unknown, atRoot: boolean, where: string): ChainLex {
  const refuse = (why: string) => new TrellisError('INVALID_KEY', `Invalid LEX ${clip(lex)} at ${where}: ${why}`, where)
  if (!isPlainObject(lex)) throw new TrellisError('INVALID_KEY', `Invalid key: ${Array.isArray(lex) ? 'array' : typeof lex} at ${where}`, where)
  if (Object.hasOwn(lex, '#')) {
    const soul = lex['#']
    const name = typeof soul === 'string' ? soul : isPlainObject(soul) && Object.keys(soul).length === 1 ? soul['='] : undefined
    if (typeof name === 'string' && name !== '') return { kind: 'name', name }
    throw refuse("a range over souls ({'#': {'*': …}}) is not read through the chain; name one soul")
  }
  if (!Object.hasOwn(lex, '.')) throw refuse("expected {'.': …} (keys) or {'#': soul}")
  if (atRoot) throw refuse("the root holds souls, not keys: put the key range on a node, gun.get(soul).get({'.': …})")
  const range = keyRange(lex['.'], refuse)
  if (lex['-'] !== undefined && lex['-'] !== 0 && lex['-'] !== false) range.reverse = true
  const budget = lex['%'] as number | undefined
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0)) throw refuse("'%' must be a positive number of bytes")
  return { kind: 'lex', range, budget, text: clip(lex) }
}

function keyRange(dot: unknown, refuse: (why: string) => TrellisError): KeyRange {
  if (typeof dot === 'string') return exact(dot, refuse)
  if (!isPlainObject(dot)) throw refuse("'.' must be a key or an object of conditions ('=', '*', '>', '<')")
  if (Object.hasOwn(dot, '=')) return exact(dot['='], refuse)
  const range: KeyRange = {}
  if (Object.hasOwn(dot, '*')) range.prefix = condition(dot['*'], refuse)
  if (Object.hasOwn(dot, '>')) range.gte = condition(dot['>'], refuse)
  if (Object.hasOwn(dot, '<')) range.lte = condition(dot['<'], refuse)
  return range
}

function exact(key: unknown, refuse: (why: string) => TrellisError): KeyRange {
  const text = condition(key, refuse)
  if (text === '') throw refuse('an exact key cannot be empty')
  return { gte: text, lte: text }
}

function condition(value: unknown, refuse: (why: string) => TrellisError): string {
  if (typeof value !== 'string') throw refuse('conditions are strings')
  if (value.length > MAX_LEX_TEXT) throw refuse(`conditions are at most ${MAX_LEX_TEXT} characters`)
  return value
}

/** The part of `node` a LEX step reads: keys in range, ordered, within the budget. */
export function lexPage(node: GraphNode, step: LexStep): GraphNode {
  const page = sliceNode(node, step.range)
  return step.budget === undefined ? page : keysWithin(page, step.budget)
}

function clip(lex: unknown): string {
  let text: string
  try {
    text = JSON.stringify(lex) ?? String(lex)
  } catch {
    text = String(lex)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
