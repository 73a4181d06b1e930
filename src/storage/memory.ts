import { GraphNode } from '../core/node.js'
import { createSortedSouls } from '../core/sorted-souls.js'
import { inRange, type KeyRange, type PendingJournal, type PendingWrite, type StorageAdapter, type StorageHealth } from '../core/storage-contract.js'
import { TrellisError } from '../core/errors.js'

/**
 * The in-memory store: the storage contract over a Map, for tests, browsers
 * without IndexedDB and ephemeral relays. Nodes are copied in and out, so a
 * caller can never mutate what is stored.
 */
export interface MemoryStorage extends StorageAdapter {
  readonly pending: PendingJournal
  health(): StorageHealth
  probe(): Promise<void>
}

export function createMemoryStorage(): MemoryStorage {
  const nodes = new Map<string, GraphNode>()
  // The pending journal in memory: as durable as the rest of this store (it lives as long as the process).
  const pendingWrites = new Map<string, PendingWrite>()
  // Kept sorted (from the first listing on), so a LEX read over souls is a binary search, not a sort of every soul.
  const sortedSouls = createSortedSouls(() => nodes.keys())
  let closed = false

  const ensureOpen = () => {
    if (closed) throw new TrellisError('CLOSED', 'Storage is closed')
  }

  const pending: PendingJournal = {
    async add(writes) {
      ensureOpen()
      for (const w of writes) pendingWrites.set(w.id, copyWrite(w))
    },
    async remove(ids) {
      ensureOpen()
      for (const id of ids) pendingWrites.delete(id)
    },
    async list() {
      ensureOpen()
      return [...pendingWrites.values()].map(copyWrite)
    },
  }

  return {
    pending,
    health: () => ({ ok: true }),
    async probe() {
      ensureOpen()
    },
    async get(soul, range) {
      ensureOpen()
      const node = nodes.get(soul)
      if (node === undefined) return undefined
      if (range === undefined) return node.clone()
      const out = new GraphNode(soul)
      const order = node.keys.map((_, i) => i).sort((a, b) => compare(node.keys[a], node.keys[b]))
      if (range.reverse) order.reverse()
      for (const i of order) {
        if (range.limit !== undefined && out.size >= range.limit) break
        if (inRange(node.keys[i], range)) out.set(node.keys[i], node.values[i], node.states[i])
      }
      return out
    },
    getNow(soul) {
      ensureOpen()
      return nodes.get(soul)?.clone()
    },
    async put(diff) {
      ensureOpen()
      for (const node of diff) {
        let held = nodes.get(node.soul)
        if (held === undefined) {
          nodes.set(node.soul, (held = new GraphNode(node.soul)))
          sortedSouls.add(node.soul)
        }
        held.assign(node)
      }
    },
    async souls(range?: KeyRange) {
      ensureOpen()
      return sortedSouls.query(range)
    },
    async close() {
      closed = true
    },
  }
}

function copyWrite(w: PendingWrite): PendingWrite {
  const value = w.value !== null && typeof w.value === 'object' ? { '#': w.value['#'] } : w.value
  return { id: w.id, soul: w.soul, key: w.key, value, state: w.state }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
