import { readdirSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { GraphNode } from '../../core/node.js'
import { getOwn, isValue } from '../../core/types.js'
import type { StorageAdapter } from '../../core/storage-contract.js'

/** How an import went: what was written and what had to be skipped (and why). */
export interface ImportReport {
  souls: number
  keys: number
  skipped: number
  problems: string[]
  /** Records of a stock Gun quirk that were read anyway (see importRadata). */
  quirksRepaired: number
}

const BATCH_KEYS = 20_000
const MAX_PROBLEMS = 50

/** Collects nodes and writes them in batches. Stores merge by HAM, so a soul split across batches (or already stored) merges correctly. */
function createBatcher(store: StorageAdapter, report: ImportReport) {
  let nodes = new Map<string, GraphNode>()
  let keys = 0
  const seen = new Set<string>()
  return {
    async add(soul: string, key: string, value: unknown, state: unknown, where: string): Promise<void> {
      if (!isValue(value) || typeof state !== 'number' || !Number.isFinite(state)) {
        report.skipped++
        if (report.problems.length < MAX_PROBLEMS) report.problems.push(`${where}: skipped ${soul}.${key} (invalid ${isValue(value) ? 'state' : 'value'})`)
        return
      }
      let node = nodes.get(soul)
      if (node === undefined) nodes.set(soul, (node = new GraphNode(soul)))
      node.set(key, value, state)
      if (!seen.has(soul)) {
        seen.add(soul)
        report.souls++
      }
      report.keys++
      if (++keys >= BATCH_KEYS) await this.flush()
    },
    /** A soul with no keys still exists as an (empty) node. */
    touch(soul: string): void {
      if (!nodes.has(soul)) nodes.set(soul, new GraphNode(soul))
      if (!seen.has(soul)) {
        seen.add(soul)
        report.souls++
      }
    },
    async flush(): Promise<void> {
      if (nodes.size === 0) return
      const batch = [...nodes.values()]
      nodes = new Map()
      keys = 0
      await store.put(batch)
    },
  }
}

/**
 * Import a graph in wire form, `{ soul: { _: { '#': soul, '>': { key: state } }, key: value } }`
 * (what `trellis export` writes). Parsed JSON is hostile input: own
 * properties only, values checked against Gun's set.
 */
export async function importGraph(store: StorageAdapter, graph: unknown, onProgress?: (done: number, total: number) => void): Promise<ImportReport> {
  const report: ImportReport = { souls: 0, keys: 0, skipped: 0, problems: [], quirksRepaired: 0 }
  if (graph === null || typeof graph !== 'object' || Array.isArray(graph)) throw new Error('The import is not a JSON object of souls')
  const batcher = createBatcher(store, report)
  const souls = Object.keys(graph)
  for (let i = 0; i < souls.length; i++) {
    const soul = souls[i]
    const node = getOwn(graph, soul)
    const meta = node !== null && typeof node === 'object' ? getOwn(node, '_') : undefined
    const states = meta !== null && typeof meta === 'object' ? getOwn(meta, '>') : undefined
    if (node === null || typeof node !== 'object' || states === null || typeof states !== 'object' || soul === '') {
      report.skipped++
      if (report.problems.length < MAX_PROBLEMS) report.problems.push(`skipped ${JSON.stringify(soul)}: not a node with a state map`)
      continue
    }
    batcher.touch(soul)
    for (const key of Object.keys(node)) {
      if (key === '_') continue
      await batcher.add(soul, key, getOwn(node, key), getOwn(states, key), 'graph')
    }
    if (i % 1000 === 0) onProgress?.(i, souls.length)
  }
  await batcher.flush()
  onProgress?.(souls.length, souls.length)
  return report
}

/**
 * Import a stock Gun `radata` directory (RAD, JSON format; gun-protocol.md
 * §8.2): every file but the `%1C` directory file is a radix tree whose path
 * spells `soul + ESC + key` and whose `""` member holds `{ ":": value, ">": state }`.
 * Files in the pre-2020 text format are reported, not guessed at. Stock Gun
 * sometimes writes a record's state under the key `"undefined"` instead of
 * `">"`; such records are imported with that state and counted in
 * `quirksRepaired`.
 */
export async function importRadata(
  store: StorageAdapter,
  radataDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<ImportReport & { files: number }> {
  const report = { souls: 0, keys: 0, skipped: 0, problems: [] as string[], quirksRepaired: 0, files: 0 }
  const batcher = createBatcher(store, report)
  const names = (await readdir(radataDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name)
  const files = names.filter((name) => decodeName(name) !== '\x1C' && !name.endsWith('.tmp') && !name.startsWith('.')).sort()
  for (let f = 0; f < files.length; f++) {
    const name = files[f]
    const text = await readFile(join(radataDir, name), 'utf8')
    report.files++
    if (text.length === 0) continue
    if (text[0] !== '{') {
      report.skipped++
      report.problems.push(`${name}: legacy (pre-2020) RAD text format is not supported; load it with stock Gun once to rewrite it as JSON`)
      continue
    }
    let tree: unknown
    try {
      tree = JSON.parse(text)
    } catch (error) {
      report.skipped++
      report.problems.push(`${name}: not valid JSON (${(error as Error).message})`)
      continue
    }
    // Depth-first walk with an explicit stack: radix depth is bounded by key length, which is attacker-controlled.
    const stack: Array<[unknown, string]> = [[tree, '']]
    while (stack.length > 0) {
      const [level, prefix] = stack.pop() as [unknown, string]
      if (level === null || typeof level !== 'object' || Array.isArray(level)) continue
      const members = Object.keys(level)
      for (let m = members.length - 1; m >= 0; m--) {
        const part = members[m]
        const child = getOwn(level, part)
        if (part !== '') {
          stack.push([child, prefix + part])
          continue
        }
        const split = prefix.indexOf('\x1B')
        if (split <= 0 || child === null || typeof child !== 'object') {
          report.skipped++
          if (report.problems.length < MAX_PROBLEMS) report.problems.push(`${name}: skipped record ${JSON.stringify(prefix)} (not soul ESC key)`)
          continue
        }
        let state = getOwn(child, '>')
        if (state === undefined && typeof getOwn(child, 'undefined') === 'number') {
          // Stock Gun (npm 0.2020.1241) sometimes files the state under the key "undefined" instead of ">"
          // (seen in this project's own migration test); the number there is the record's state.
          state = getOwn(child, 'undefined')
          report.quirksRepaired++
        }
        await batcher.add(prefix.slice(0, split), prefix.slice(split + 1), getOwn(child, ':'), state, name)
      }
    }
    onProgress?.(f + 1, files.length)
  }
  await batcher.flush()
  return report
}

/**
 * True when `dir` holds stock Gun's RAD files (its first file `!` or its
 * directory file `%1C`) and no log segments: a directory a Gun app wrote,
 * which the drop-in must not silently start afresh beside.
 */
export function isStockRadata(dir: string): boolean {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return false
  }
  return names.some((name) => name === '!' || decodeName(name) === '\x1C') && !names.some((name) => name.startsWith('seg-'))
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name)
  } catch {
    return name
  }
}

/**
 * Write the whole graph as JSON (`{ soul: wireNode, ... }`), one soul per
 * line, in soul order, through `write` (which should honour backpressure).
 */
export async function exportGraph(
  store: StorageAdapter,
  write: (chunk: string) => Promise<void>,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const souls = await store.souls()
  await write('{')
  let chunk = ''
  for (let i = 0; i < souls.length; i++) {
    const node = await store.get(souls[i])
    if (node === undefined) continue
    chunk += `${i === 0 ? '' : ','}\n${JSON.stringify(souls[i])}:${JSON.stringify(node.toWire())}`
    if (chunk.length > 1 << 16) {
      await write(chunk)
      chunk = ''
      onProgress?.(i + 1, souls.length)
    }
  }
  await write(`${chunk}\n}\n`)
  onProgress?.(souls.length, souls.length)
  return souls.length
}
