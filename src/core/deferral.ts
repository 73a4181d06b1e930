import { createDeferredQueue, deferredBytes, type DeferredWaiter, type DeferredWrite } from './deferred.js'
import type { Origin, PutOutcome } from './engine-types.js'
import { TrellisError } from './errors.js'
import { wins } from './ham.js'
import { GraphNode } from './node.js'
import { randomId } from './random.js'
import type { PendingJournal, PendingWrite } from './storage-contract.js'
import type { Value } from './types.js'

/**
 * The peer a write held in the pending journal is attributed to once it
 * comes back after a restart (its writer's connection is gone): a peer no
 * one is, so the relay pushes the write to every subscriber.
 */
export const JOURNAL_ORIGIN = Object.freeze({ name: 'pending journal' })

/** After storage refused a due write, try it again this much later. */
const RETRY_MS = 1000

export interface DeferralOptions {
  maxCount: number
  maxBytes: number
  /** States further ahead of the machine's clock than this refuse their whole put. */
  maxFutureMs: number
  now: () => number
  /** Durable journal of held writes (from the storage). */
  journal: PendingJournal | undefined
  /** Without a journal: does an acknowledgement promise durability (then it waits until the write fell due and was stored)? */
  durable: boolean
  /** The engine's put pipeline, for writes that fell due. */
  put: (nodes: GraphNode[], origin: Origin) => Promise<PutOutcome>
}

export interface DeferralStats {
  count: number
  bytes: number
  /** Puts refused since start: the queue was full, or a state lay past the horizon. */
  refusedFull: number
  refusedHorizon: number
}

/**
 * Future-state writes, end to end: the horizon and capacity checks made for
 * a whole put before anything of it is applied, holding (journaled first
 * when the storage keeps a pending journal, so an acknowledgement means the
 * write survives a restart), and applying them through the normal pipeline
 * when due — grouped by writer, so each keeps its own origin — removing
 * them from the journal only once applied durably, retrying when storage
 * refuses.
 */
export function createDeferral(options: DeferralOptions) {
  const { journal, maxFutureMs } = options
  let refusedFull = 0
  let refusedHorizon = 0
  let closed = false

  const queue = createDeferredQueue<Origin>(options.maxCount, options.maxBytes, options.now, (due) => release(due))

  /** Settle writes that were applied durably: they stop counting, their waiters hear, the journal lets go. */
  const applied = (items: DeferredWrite<Origin>[]) => {
    let ids: string[] | undefined
    for (const item of items) {
      queue.settle(item)
      const waiter = item.waiter
      if (waiter !== undefined && --waiter.remaining === 0) waiter.resolve()
      if (journal !== undefined) (ids ??= []).push(item.id)
    }
    // Not durable, and need not be: a write listed again after a crash is applied again, a HAM no-op.
    if (ids !== undefined) void journal?.remove(ids).catch(() => {})
  }

  const refused = (items: DeferredWrite<Origin>[], error: unknown) => {
    if (closed) {
      // Closing, not refused: what is journaled stays for the next start.
      for (const item of items) item.waiter?.reject(error)
      return
    }
    // Storage trouble (disk full, I/O) passes; a write the pipeline itself refuses (verification) never will.
    const permanent = error instanceof TrellisError && error.code !== 'STORAGE' && error.code !== 'QUOTA' && error.code !== 'CLOSED'
    for (const item of items) {
      // Journaled writes were acknowledged: they wait for storage to take them, unless they can never apply.
      if (journal !== undefined && !permanent) {
        queue.retry(item, options.now() + RETRY_MS)
        continue
      }
      queue.settle(item)
      item.waiter?.reject(error)
      if (journal !== undefined) void journal.remove([item.id]).catch(() => {})
    }
  }

  const release = (due: DeferredWrite<Origin>[]) => {
    if (closed) return
    // Writes from one writer go together and keep that writer as their origin.
    const groups = new Map<unknown, DeferredWrite<Origin>[]>()
    for (const item of due) {
      const waiter = item.waiter
      if (waiter !== undefined && !waiter.journaled) {
        // Due before its journal entry is durable: applied once it is (or dropped if it fails).
        ;(waiter.held ??= []).push(item as DeferredWrite<unknown>)
        continue
      }
      const by = item.origin.kind === 'peer' ? item.origin.peer : item.origin.kind
      const group = groups.get(by)
      if (group === undefined) groups.set(by, [item])
      else group.push(item)
    }
    for (const group of groups.values()) {
      const first = group[0].origin
      // The message id of the original put is not carried: the due write is a new change, not a reply.
      const origin: Origin = first.kind === 'peer' ? { kind: 'peer', peer: first.peer } : first
      options.put(bySoul(group), origin).then(
        (outcome) =>
          outcome.durable.then(
            () => applied(group),
            (error: unknown) => refused(group, error),
          ),
        (error: unknown) => refused(group, error),
      )
    }
  }

  const ready: Promise<void> =
    journal === undefined
      ? Promise.resolve()
      : journal.list().then((writes) => {
          // Acknowledged before the restart: all held again, whatever the bounds say now.
          for (const w of writes) {
            if (closed) return
            queue.add(makeItem(w.id, w.soul, w.key, w.value, w.state, { kind: 'peer', peer: JOURNAL_ORIGIN }, undefined))
          }
        })

  return {
    ready,
    queue,

    /**
     * Refuse the whole put (throw) when a state lies past the horizon or its
     * future keys do not fit; before anything is applied. Returns how many
     * keys lie in the future.
     */
    check(nodes: readonly GraphNode[], machineState: number): number {
      let count = 0
      let bytes = 0
      for (const node of nodes) {
        const states = node.states
        for (let i = 0; i < states.length; i++) {
          if (!(states[i] > machineState)) continue
          const ahead = states[i] - machineState
          if (ahead > maxFutureMs) {
            refusedHorizon++
            const path = `${node.soul}.${node.keys[i]}`
            throw new TrellisError(
              'INVALID_STATE',
              `State of ${path} is ${Math.round(ahead)} ms ahead of this peer's clock, past the ${maxFutureMs} ms horizon: put refused`,
              path,
            )
          }
          count++
          bytes += deferredBytes(node.soul, node.keys[i], node.values[i])
        }
      }
      if (count > 0 && !queue.fits(count, bytes)) {
        refusedFull++
        throw new TrellisError(
          'QUOTA',
          `Deferral queue full: ${count} future-state keys (${bytes} bytes) from ${nodes[0]?.soul ?? ''} would pass ${options.maxCount} keys or ${options.maxBytes} bytes held (${queue.size} keys, ${queue.bytes} bytes now): put refused`,
          nodes[0]?.soul,
        )
      }
      return count
    },

    /** A write to hold (call `hold` with all of a put's). */
    item(soul: string, key: string, value: Value, state: number, origin: Origin): DeferredWrite<Origin> {
      return makeItem(journal === undefined ? '' : randomId(20), soul, key, value, state, origin, undefined)
    },

    /**
     * Hold a put's future keys; the promise is what its acknowledgement
     * waits for: the journal entry, or (durable storage without a journal)
     * the writes being due and stored, or nothing.
     */
    hold(items: DeferredWrite<Origin>[]): Promise<void> {
      if (journal === undefined && !options.durable) {
        for (const item of items) queue.add(item)
        return Promise.resolve()
      }
      let waiter!: DeferredWaiter
      const done = new Promise<void>((resolve, reject) => {
        waiter = { remaining: items.length, journaled: journal === undefined, held: undefined, resolve, reject }
      })
      for (const item of items) {
        item.waiter = waiter
        queue.add(item)
      }
      if (journal === undefined) return done
      const entries: PendingWrite[] = items.map((i) => ({ id: i.id, soul: i.soul, key: i.key, value: i.value, state: i.state }))
      journal.add(entries).then(
        () => {
          waiter.journaled = true
          // Acknowledged now: from here on the writes are the journal's, nobody waits on them.
          for (const item of items) item.waiter = undefined
          const held = waiter.held
          waiter.held = undefined
          waiter.resolve()
          if (held !== undefined) release(held as DeferredWrite<Origin>[])
        },
        (error: unknown) => {
          // Not journaled: the put is refused, so none of it may ever apply.
          for (const item of items) {
            if (item.cancelled) continue
            item.cancelled = true
            queue.settle(item)
          }
          waiter.held = undefined
          waiter.reject(error)
        },
      )
      return done
    },

    stats(): DeferralStats {
      return { count: queue.size, bytes: queue.bytes, refusedFull, refusedHorizon }
    },

    /** Stop: what is journaled stays journaled for the next start; writes nobody acknowledged fail. */
    close(): void {
      closed = true
      const error = new TrellisError('CLOSED', 'Database closed before a future-state write fell due')
      for (const item of queue.clear()) if (!item.cancelled) item.waiter?.reject(error)
    },
  }
}

function makeItem(
  id: string,
  soul: string,
  key: string,
  value: Value,
  state: number,
  origin: Origin,
  waiter: DeferredWaiter | undefined,
): DeferredWrite<Origin> {
  return { id, soul, key, value, state, origin, due: state, bytes: deferredBytes(soul, key, value), cancelled: false, waiter }
}

/** Due writes as nodes, one per soul; of two writes to one key, the HAM winner. */
function bySoul(writes: DeferredWrite<Origin>[]): GraphNode[] {
  const nodes = new Map<string, GraphNode>()
  for (const w of writes) {
    let node = nodes.get(w.soul)
    if (node === undefined) nodes.set(w.soul, (node = new GraphNode(w.soul)))
    if (!node.has(w.key) || wins(w.state, w.value, node.stateOf(w.key), node.get(w.key))) node.set(w.key, w.value, w.state)
  }
  return [...nodes.values()]
}
