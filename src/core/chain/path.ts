/** One step of a chain: the root, a soul off the root, a key of a node, or every key of a node. */
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
  }
  return parts.reverse().join('.')
}
