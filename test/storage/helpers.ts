import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GraphNode } from '../../src/core/node.js'
import type { Value } from '../../src/core/types.js'
import { valueText } from '../../src/core/ham.js'

export function tempDir(label: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `trellis-${label}-`))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export function node(soul: string, entries: Record<string, [Value, number]> | Array<[string, Value, number]>): GraphNode {
  const n = new GraphNode(soul)
  const list = Array.isArray(entries) ? entries : Object.entries(entries).map(([k, [v, s]]) => [k, v, s] as [string, Value, number])
  for (const [k, v, s] of list) n.set(k, v, s)
  return n
}

/** A node as sorted [key, valueText, state] triples, for comparisons. */
export function flat(n: GraphNode | undefined): Array<[string, string, number]> | undefined {
  if (n === undefined) return undefined
  return n.keys.map((k, i) => [k, valueText(n.values[i]), n.states[i]] as [string, string, number]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
}

export const quietLogger = { warn: () => undefined }

export function collectingLogger(): { warn(message: string): void; messages: string[] } {
  const messages: string[] = []
  return { warn: (m: string) => void messages.push(m), messages }
}
