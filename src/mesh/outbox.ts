import type { Ack } from '../core/engine-types.js'

/** A local write not yet acknowledged by any peer: resent (under a fresh id) after every reconnect. */
export interface OutboxEntry {
  readonly id: string
  /** The `put` graph as JSON text, written once and resent as is. */
  readonly putText: string
  readonly onAck: (ack: Ack) => void
  readonly createdAt: number
}

/**
 * Unacknowledged local writes, oldest first, bounded in count, in bytes
 * (the JSON text kept for resending) and in age. What falls out is told
 * `Outbox full` / `No ACK yet.` so the writer knows; expiry by age also runs
 * on the mesh's sweeper timer, without traffic.
 */
export interface Outbox {
  add(entry: OutboxEntry): void
  /** The write sent under `id`, while it waits for its first ack. */
  get(id: string): OutboxEntry | undefined
  /** Answered (acked, or refused with an error): forget it. */
  settle(id: string): void
  entries(): OutboxEntry[]
  /** Drop up to `limit` writes past their TTL; true when more remain. */
  sweep(limit?: number): boolean
  readonly size: number
  /** Characters of JSON held for resending. */
  readonly bytes: number
}

const OUTBOX_FULL = 'Outbox full: write dropped before any peer acknowledged it.'

export function createOutbox(max: number, ttlMs: number, now: () => number = Date.now, maxBytes = Infinity): Outbox {
  const pending = new Map<string, OutboxEntry>()
  let bytes = 0
  const remove = (id: string, entry: OutboxEntry) => {
    pending.delete(id)
    bytes -= entry.putText.length
  }
  const expire = (limit = Infinity): boolean => {
    const time = now()
    let dropped = 0
    for (const [id, entry] of pending) {
      const over = pending.size > max || bytes > maxBytes
      if (!over && time - entry.createdAt < ttlMs) return false
      if (!over && dropped >= limit) return true
      dropped++
      remove(id, entry)
      entry.onAck({ err: over ? OUTBOX_FULL : 'Error: No ACK yet.', lack: true })
    }
    return false
  }
  return {
    add(entry) {
      pending.set(entry.id, entry)
      bytes += entry.putText.length
      expire()
    },
    get: (id) => pending.get(id),
    settle(id) {
      const entry = pending.get(id)
      if (entry !== undefined) remove(id, entry)
    },
    entries() {
      expire()
      return [...pending.values()]
    },
    sweep: (limit = Infinity) => expire(limit),
    get size() {
      return pending.size
    },
    get bytes() {
      return bytes
    },
  }
}
