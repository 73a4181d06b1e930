import type { KeyRange } from '../storage-contract.js'

/** One step of a chain: the root, a soul off the root, a key of a node, every key of a node, or a LEX range of them. */
export type Step =
  | { kind: 'root' }
  | { kind: 'soul'; soul: string }
  | { kind: 'key'; key: string }
  | {
      kind: 'map'
      /** Gun's `map(fn)`: a transform and filter of the items (undefined leaves an item out). */
      each?: (data: unknown, key: string) => unknown
      /** After `once()` without a callback: only the keys the node held when read, each item still live. */
      snapshot?: boolean
    }
  | LexStep

/**
 * `get({'.': …})` on a node's chain: the keys of that node inside a LEX range (Gun's query form).
 * Reads give the node cut to those keys, in lexical order (`-`: reversed), at most `budget` JSON
 * characters of them (`%`); live listeners hear changes inside the range.
 */
export interface LexStep {
  kind: 'lex'
  range: KeyRange
  /** Gun's `%`: the most JSON characters a read returns (at least one key). */
  budget: number | undefined
  /** The LEX as written, for paths in error messages. */
  text: string
}

/** The part of a chain the resolvers need: its step and its parent. */
export interface ChainPath {
  readonly step: Step
  readonly parent: ChainPath | undefined
}

/** `a.b.c` for error messages. */
export function describePath(chain: ChainPath): string {
  const parts: string[] = []
  for (let at: ChainPath | undefined = chain; at !== undefined; at = at.parent) {
    const step = at.step
    if (step.kind === 'soul') parts.push(step.soul)
    else if (step.kind === 'key') parts.push(step.key)
    else if (step.kind === 'map') parts.push('*')
    else if (step.kind === 'lex') parts.push(step.text)
  }
  return parts.reverse().join('.')
}
