import type { GraphNode } from '../node.js'
import { isLink, type Value } from '../types.js'
import { plainValue } from '../user-space.js'
import { lexPage } from './lex.js'
import type { ChainPath } from './path.js'
import type { Root } from './root.js'

/** What a chain points at after a read: a node, a value, or nothing. */
export interface Item {
  key: string
  /** Set when the item is a node. */
  soul?: string
  /** The node as read, when the item is one: memory may let go of it (see memory-bound.ts) before the caller looks. */
  node?: GraphNode
  value?: Value
  found: boolean
  /** False when some peer asked did not answer before the read timeout. */
  synced: boolean
}

/**
 * Resolve a chain once: memory, storage, then peers, following links. Every
 * branch settles, so reads always complete (with `found: false` for missing
 * data) — the opposite of stock Gun's `once` that may never fire.
 */
export async function resolve(root: Root, chain: ChainPath): Promise<Item[]> {
  const step = chain.step
  switch (step.kind) {
    case 'root':
      return []
    case 'soul': {
      const loaded = await root.load(step.soul)
      return [nodeItem(step.soul, step.soul, loaded.node, loaded.synced)]
    }
    case 'key': {
      const parents = await resolve(root, chain.parent as ChainPath)
      return Promise.all(
        parents.map((parent) => {
          if (parent.node === undefined) return { key: step.key, found: false, synced: parent.synced }
          return deref(root, step.key, plainValue(parent.node.soul, parent.node.get(step.key)), parent.synced)
        }),
      )
    }
    case 'map': {
      const parents = await resolve(root, chain.parent as ChainPath)
      const items: Promise<Item>[] = []
      for (const parent of parents) {
        const node = parent.node
        if (node === undefined) continue
        for (let i = 0; i < node.keys.length; i++) items.push(deref(root, node.keys[i], plainValue(node.soul, node.values[i]), parent.synced))
      }
      return Promise.all(items)
    }
    case 'lex': {
      // The node, cut to the keys in range; what is not a node has no keys to select.
      const parents = await resolve(root, chain.parent as ChainPath)
      return parents.map((parent) =>
        parent.node === undefined ? { key: parent.key, found: false, synced: parent.synced } : { ...parent, node: lexPage(parent.node, step) },
      )
    }
  }
}

/**
 * The same resolution answered from memory alone, when that is the whole
 * answer: no write in flight, no peer to ask, and every node needed is in
 * memory (or there is no storage to look in). Undefined otherwise.
 */
export function resolveNow(root: Root, chain: ChainPath): Item[] | undefined {
  if (!root.quiet) return undefined
  const step = chain.step
  if (step.kind === 'soul') {
    const item = nodeNow(root, step.soul, step.soul)
    return item === undefined ? undefined : [item]
  }
  if (step.kind !== 'key') return undefined
  const parents = resolveNow(root, chain.parent as ChainPath)
  if (parents === undefined) return undefined
  const items: Item[] = []
  for (const parent of parents) {
    if (parent.node === undefined) {
      items.push({ key: step.key, found: false, synced: true })
      continue
    }
    const value = plainValue(parent.node.soul, parent.node.get(step.key))
    if (value === undefined) items.push({ key: step.key, found: false, synced: true })
    else if (!isLink(value)) items.push({ key: step.key, value, found: true, synced: true })
    else {
      const item = nodeNow(root, step.key, value['#'])
      if (item === undefined) return undefined
      items.push(item)
    }
  }
  return items
}

function nodeNow(root: Root, key: string, soul: string): Item | undefined {
  const node = root.engine.peek(soul)
  if (node !== undefined) return { key, soul, node, found: true, synced: true }
  // Not in memory: known missing only when there is nowhere else to look (storage, or plugins carrying reads).
  return root.engine.storage === undefined && root.network?.readsGoOut !== true ? { key, found: false, synced: true } : undefined
}

/** The item for a value found at a key: links are followed to their node. */
async function deref(root: Root, key: string, value: Value | undefined, synced: boolean): Promise<Item> {
  if (value === undefined) return { key, found: false, synced }
  if (!isLink(value)) return { key, value, found: true, synced }
  const soul = value['#']
  const loaded = await root.load(soul)
  return nodeItem(key, soul, loaded.node, synced && loaded.synced)
}

function nodeItem(key: string, soul: string, node: GraphNode | undefined, synced: boolean): Item {
  return node === undefined ? { key, found: false, synced } : { key, soul, node, found: true, synced }
}
