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
 * Unacknowledged local writes, oldest first, bounded in count and age.
 * What falls out is told `Outbox full` / `No ACK yet.` so the writer knows.
 */
export interface Outbox {
  add(entry: OutboxEntry): void
  /** The write sent under `id`, while it waits for its first ack. */
  get(id: string): OutboxEntry | undefined
  /** Acked: forget it. */
  settle(id: string): void
  entries(): OutboxEntry[]
  readonly size: number
}

export function createOutbox(max: number, ttlMs: number, now: () => number = Date.now): Outbox {
  const pending = new Map<string, OutboxEntry>()
  const expire = () => {
    const time = now()
    for (const [id, entry] of pending) {
      if (pending.size <= max && time - entry.createdAt < ttlMs) break
      pending.delete(id)
      const err = pending.size >= max ? 'Outbox full: write dropped before any peer acknowledged it.' : 'Error: No ACK yet.'
      entry.onAck({ err, lack: true })
    }
  }
  return {
    add(entry) {
      pending.set(entry.id, entry)
      expire()
    },
    get: (id) => pending.get(id),
    settle(id) {
      pending.delete(id)
    },
    entries() {
      expire()
      return [...pending.values()]
    },
    get size() {
      return pending.size
    },
  }
}
