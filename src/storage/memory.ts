import { GraphNode } from '../core/node.js'
import { createSortedSouls } from '../core/sorted-souls.js'
import {
  inRange,
  type ChangePage,
  type KeyRange,
  type PendingJournal,
  type PendingWrite,
  type StorageAdapter,
  type StorageHealth,
} from '../core/storage-contract.js'
import { TrellisError } from '../core/errors.js'
import { nodeBytes } from '../core/memory-bound.js'
import { randomId } from '../core/random.js'

/**
 * The in-memory store: the storage contract over a Map, for tests, browsers
 * without IndexedDB and ephemeral relays. Nodes are copied in and out, so a
 * caller can never mutate what is stored.
 */
export interface MemoryStorage extends StorageAdapter {
  readonly pending: PendingJournal
  health(): StorageHealth
  probe(): Promise<void>
  changes(since: string | undefined, maxBytes: number): Promise<ChangePage>
}

/** A new, empty {@link MemoryStorage}. */
export function createMemoryStorage(): MemoryStorage {
  const nodes = new Map<string, GraphNode>()
  // The pending journal in memory: as durable as the rest of this store (it lives as long as the process).
  const pendingWrites = new Map<string, PendingWrite>()
  // Kept sorted (from the first listing on), so a LEX read over souls is a binary search, not a sort of every soul.
  const sortedSouls = createSortedSouls(() => nodes.keys())
  // The change feed: souls by the sequence number of their last write, oldest first (a rewritten soul
  // moves to the end). A cursor is this store's epoch (so a cursor from an earlier process starts over)
  // and a sequence number.
  const changed = new Map<string, number>()
  const epoch = randomId(8)
  let seq = 0
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

  /** One page: whole current nodes of the souls written after the cursor (a scan over all souls, fine for memory). */
  function readChanges(since: string | undefined, maxBytes: number): ChangePage {
    const match = typeof since === 'string' ? /^M1:([0-9a-zA-Z]+):(\d{1,15})$/.exec(since) : null
    const from = match !== null && match[1] === epoch ? Number(match[2]) : 0
    const out: GraphNode[] = []
    let bytes = 0
    let last = from
    for (const [soul, at] of changed) {
      if (at <= from) continue
      if (bytes >= Math.max(1, maxBytes)) return { nodes: out, bytes, next: `M1:${epoch}:${last}`, done: false }
      const node = nodes.get(soul) as GraphNode
      out.push(node.clone())
      bytes += nodeBytes(node)
      last = at
    }
    return { nodes: out, bytes, next: `M1:${epoch}:${seq}`, done: true }
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
        changed.delete(node.soul)
        changed.set(node.soul, ++seq)
      }
    },
    async changes(since, maxBytes) {
      ensureOpen()
      return readChanges(since, maxBytes)
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
