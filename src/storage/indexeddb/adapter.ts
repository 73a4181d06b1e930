import { TrellisError } from '../../core/errors.js'
import { GraphNode } from '../../core/node.js'
import type { KeyRange, PendingJournal, PendingWrite, StorageAdapter, StorageHealth, UnsentJournal } from '../../core/storage-contract.js'
import type { Value } from '../../core/types.js'
import { sliceNode } from '../../core/lex-page.js'
import { createKnownSouls } from './known-souls.js'
import { describe, NODES, openDatabase, PENDING, writeFailed } from './open.js'
import { soulBounds, toKeyRange } from './ranges.js'
import { readSouls } from './read-souls.js'
import { createUnsentJournal } from './unsent.js'

/** Options of `createIndexedDbStorage`. */
export interface IndexedDbStorageOptions {
  /** The IndexedDB database (created on first use). Default `'trellis'`. */
  name?: string
  /**
   * The transactions' durability hint. `'strict'` (default): a put resolves
   * once the browser reports the data flushed to disk. `'relaxed'`: once
   * the browser has it (survives a page crash or reload, maybe not an OS crash
   * or power loss). `'default'`: the browser's choice.
   */
  durability?: IDBTransactionDurability
  /** Most puts committed together in one transaction (group commit). Default 512. */
  maxBatchPuts?: number
  /**
   * Up to this many souls, the store keeps their names in memory so that reading a soul it does not
   * hold answers at once (see known-souls.ts); past it, every read asks IndexedDB. Default 100 000.
   */
  maxKnownSouls?: number
}

/** Counters of an IndexedDB store, for tests and measurements. */
export interface IndexedDbStorageStats {
  /** Write transactions committed. */
  commits: number
  /** Puts acknowledged (committed). */
  puts: number
  /** Puts waiting for their transaction. */
  queuedPuts: number
}

export interface IndexedDbStorage extends StorageAdapter {
  readonly name: string
  /** Resolves once the database is open; rejects (with a `STORAGE` error naming the database) when IndexedDB is unavailable. */
  readonly ready: Promise<void>
  readonly pending: PendingJournal
  readonly unsent: UnsentJournal
  health(): StorageHealth
  /** Its counters so far. */
  stats(): IndexedDbStorageStats
}

/** One node as stored: parallel arrays, as `GraphNode` holds them (structured clone copies arrays fast). */
interface NodeRecord {
  k: string[]
  v: Value[]
  s: number[]
}

interface QueuedPut {
  nodes: GraphNode[]
  resolve: () => void
  reject: (error: unknown) => void
}

interface QueuedRead {
  soul: string
  resolve: (record: NodeRecord | undefined) => void
  reject: (error: unknown) => void
}

/** The largest count getAllKeys takes (an unsigned long). */
const MAX_COUNT = 2 ** 32 - 1

/**
 * The storage contract over IndexedDB, for browsers: one record per soul
 * holding the whole node. A put merges its diffs into the stored nodes
 * inside one readwrite transaction and resolves on the transaction's
 * `complete` (durability `'strict'` by default): atomic per put, durable
 * when resolved, nothing written when it rejects. Puts made while a
 * transaction commits share the next one (group commit); should that shared
 * transaction fail, each of its puts is retried alone, so a put fails only
 * for its own reasons. Reads made in the same tick share a transaction.
 *
 * Opening is lazy and asynchronous (so a database can be created
 * synchronously); every call waits for it, and `ready` reports it.
 */
export function createIndexedDbStorage(options: IndexedDbStorageOptions = {}): IndexedDbStorage {
  const name = options.name ?? 'trellis'
  const durability = options.durability ?? 'strict'
  const maxBatchPuts = Math.max(1, options.maxBatchPuts ?? 512)
  const maxKnownSouls = options.maxKnownSouls ?? 100_000
  const opening = openDatabase(name)
  let db: IDBDatabase | undefined
  let lost: TrellisError | undefined
  let closed = false
  const writes: QueuedPut[] = []
  let flushing: Promise<void> | undefined
  let reads: QueuedRead[] = []
  let readScheduled = false
  let failure: StorageHealth | undefined
  let commits = 0
  let committedPuts = 0

  const ready = opening.then((opened) => {
    db = opened
    // The browser may take the connection away (storage cleared by the user, another page upgrading or deleting the database).
    opened.onclose = () => {
      lost = new TrellisError('STORAGE', `IndexedDB closed database '${name}' (storage cleared?): reload the page to reopen it`)
    }
    opened.onversionchange = () => {
      opened.close()
      lost = new TrellisError('STORAGE', `IndexedDB database '${name}' was deleted or upgraded by another page: reload the page to reopen it`)
    }
  })
  // Handled here so an unavailable IndexedDB is not an unhandled rejection; every call still rejects with it.
  ready.catch(() => {})

  const database = async (): Promise<IDBDatabase> => {
    if (db === undefined) await ready
    if (lost !== undefined) throw lost
    return db as IDBDatabase
  }

  const known = createKnownSouls(name, maxKnownSouls, database)

  const ensureOpen = () => {
    if (closed) throw new TrellisError('CLOSED', 'Storage is closed')
  }

  /** One readwrite transaction merging `nodes` (in order) into the stored nodes; resolves on `complete`. */
  const commit = (target: IDBDatabase, nodes: readonly GraphNode[]): Promise<void> =>
    new Promise((resolve, reject) => {
      let tx: IDBTransaction
      try {
        tx = target.transaction(NODES, 'readwrite', { durability })
      } catch (error) {
        reject(writeFailed(name, error))
        return
      }
      let thrown: unknown
      const abort = (error: unknown) => {
        thrown ??= error
        try {
          tx.abort()
        } catch {
          // Already finishing: its own abort event reports the failure.
        }
      }
      tx.oncomplete = () => resolve()
      tx.onabort = () => reject(writeFailed(name, thrown ?? tx.error ?? new Error('the transaction was aborted')))
      const store = tx.objectStore(NODES)
      const bySoul = new Map<string, GraphNode[]>()
      for (const node of nodes) {
        const diffs = bySoul.get(node.soul)
        if (diffs === undefined) bySoul.set(node.soul, [node])
        else diffs.push(node)
      }
      try {
        for (const [soul, diffs] of bySoul) {
          const request = store.get(soul)
          request.onsuccess = () => {
            try {
              const node = fromRecord(soul, request.result as NodeRecord | undefined)
              for (const diff of diffs) node.assign(diff)
              store.put(toRecord(node), soul)
            } catch (error) {
              // DataCloneError and the like: the whole transaction goes, so nothing of this put is written.
              abort(error)
            }
          }
        }
      } catch (error) {
        abort(error)
      }
    })

  /** Commit queued puts, a batch per transaction, until none are left. */
  const flush = async () => {
    while (writes.length > 0) {
      const batch = writes.splice(0, maxBatchPuts)
      let target: IDBDatabase
      try {
        target = await database()
      } catch (error) {
        for (const put of batch) put.reject(error)
        continue
      }
      try {
        const nodes = batch.length === 1 ? batch[0].nodes : batch.flatMap((put) => put.nodes)
        await commit(target, nodes)
        succeeded(batch.length)
        known.announce(nodes.map((node) => node.soul))
        for (const put of batch) put.resolve()
      } catch (error) {
        failed(error)
        if (batch.length === 1) {
          batch[0].reject(error)
          continue
        }
        // A shared transaction failed: each put on its own, so one bad put cannot take its neighbours down.
        for (const put of batch) {
          try {
            await commit(target, put.nodes)
            succeeded(1)
            known.announce(put.nodes.map((node) => node.soul))
            put.resolve()
          } catch (alone) {
            failed(alone)
            put.reject(alone)
          }
        }
      }
    }
  }

  const succeeded = (puts: number) => {
    commits++
    committedPuts += puts
    failure = undefined
  }

  const failed = (error: unknown) => {
    failure = { ok: false, error: error instanceof Error ? error.message : describe(error), since: failure?.since ?? Date.now() }
  }

  const startFlush = () => {
    flushing = Promise.resolve()
      .then(flush)
      .finally(() => {
        flushing = undefined
        // Puts queued after the loop's last look go out now.
        if (writes.length > 0) startFlush()
      })
  }

  /** One readonly transaction for every read asked for in this tick. */
  const flushReads = async () => {
    readScheduled = false
    const batch = reads
    reads = []
    // Several reads of one soul (a chain and its engine asking together) share one request.
    const waiting = new Map<string, QueuedRead[]>()
    for (const read of batch) {
      const same = waiting.get(read.soul)
      if (same === undefined) waiting.set(read.soul, [read])
      else same.push(read)
    }
    const answer = (soul: string, record: NodeRecord | undefined) => {
      const readers = waiting.get(soul)
      if (readers === undefined) return
      waiting.delete(soul)
      for (const read of readers) read.resolve(record)
    }
    const failAll = (error: TrellisError) => {
      for (const readers of waiting.values()) for (const read of readers) read.reject(error)
      waiting.clear()
    }
    try {
      const tx = (await database()).transaction(NODES, 'readonly')
      tx.onabort = () => failAll(new TrellisError('STORAGE', `IndexedDB read from database '${name}' failed: ${describe(tx.error)}`))
      readSouls(tx.objectStore(NODES), [...waiting.keys()], (soul, record) => answer(soul, record as NodeRecord | undefined))
    } catch (error) {
      failAll(error instanceof TrellisError ? error : new TrellisError('STORAGE', `IndexedDB read failed: ${describe(error)}`))
    }
  }

  const readRecord = (soul: string): Promise<NodeRecord | undefined> =>
    new Promise((resolve, reject) => {
      reads.push({ soul, resolve, reject })
      if (!readScheduled) {
        readScheduled = true
        queueMicrotask(() => void flushReads())
      }
    })

  /** A request in a transaction of its own, resolved on `complete` for writes (so durable), on success for reads. */
  const run = async <T>(store: string, mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T> | undefined, hint = durability) => {
    const tx = (await database()).transaction(store, mode, { durability: hint })
    return new Promise<T | undefined>((resolve, reject) => {
      let result: T | undefined
      tx.oncomplete = () => resolve(result)
      tx.onabort = () => reject(writeFailed(name, tx.error ?? new Error('the transaction was aborted')))
      try {
        const request = work(tx.objectStore(store))
        if (request !== undefined) request.onsuccess = () => (result = request.result)
      } catch (error) {
        tx.abort()
        reject(writeFailed(name, error))
      }
    })
  }

  const pending: PendingJournal = {
    async add(list) {
      ensureOpen()
      await run(PENDING, 'readwrite', (store) => {
        for (const w of list) store.put({ id: w.id, soul: w.soul, key: w.key, value: w.value, state: w.state } satisfies PendingWrite)
        return undefined
      })
    },
    async remove(ids) {
      ensureOpen()
      // Need not be durable (the contract): a write applied twice is a no-op.
      await run(
        PENDING,
        'readwrite',
        (store) => {
          for (const id of ids) store.delete(id)
          return undefined
        },
        'relaxed',
      )
    },
    async list() {
      ensureOpen()
      return ((await run(PENDING, 'readonly', (store) => store.getAll())) ?? []) as PendingWrite[]
    },
  }

  return {
    name,
    ready,
    pending,
    unsent: createUnsentJournal(name, database, durability),
    health: () => failure ?? { ok: true },
    stats: () => ({ commits, puts: committedPuts, queuedPuts: writes.length }),

    put(nodes) {
      if (closed) return Promise.reject(new TrellisError('CLOSED', 'Storage is closed'))
      if (nodes.length === 0) return Promise.resolve()
      // Copies: the transaction reads them later (after the commit in progress), whatever the caller does meanwhile.
      const copies = nodes.map((node) => node.clone())
      // Known before it can be committed, so "certainly absent" stays true of every soul not added.
      known.add(copies.map((node) => node.soul))
      return new Promise<void>((resolve, reject) => {
        writes.push({ nodes: copies, resolve, reject })
        if (flushing === undefined) startFlush()
      })
    },

    async get(soul, range) {
      ensureOpen()
      if (!known.mayHold(soul)) return undefined
      const record = await readRecord(soul)
      if (record === undefined) return undefined
      const node = fromRecord(soul, record)
      return range === undefined ? node : sliceNode(node, range)
    },

    async souls(range?: KeyRange) {
      ensureOpen()
      const bounds = soulBounds(range)
      const limit = range?.limit === undefined ? undefined : Math.min(MAX_COUNT, Math.floor(range.limit))
      if (bounds.empty || (limit !== undefined && limit <= 0)) return []
      const keys = toKeyRange(bounds)
      const tx = (await database()).transaction(NODES, 'readonly')
      const store = tx.objectStore(NODES)
      return new Promise<string[]>((resolve, reject) => {
        tx.onabort = () => reject(new TrellisError('STORAGE', `IndexedDB read from database '${name}' failed: ${describe(tx.error)}`))
        if (range?.reverse !== true || limit === undefined) {
          const request = store.getAllKeys(keys, limit)
          request.onsuccess = () => {
            const souls = request.result as string[]
            resolve(range?.reverse === true ? souls.reverse() : souls)
          }
          return
        }
        const out: string[] = []
        const cursor = store.openKeyCursor(keys, 'prev')
        cursor.onsuccess = () => {
          const at = cursor.result
          if (at === null) return resolve(out)
          out.push(at.key as string)
          if (out.length >= limit) return resolve(out)
          at.continue()
        }
      })
    },

    async close() {
      if (closed) return
      closed = true
      // Queued puts were promised a commit: they get it before the connection goes.
      while (flushing !== undefined) await flushing
      known.close()
      if (db !== undefined) db.close()
      else await ready.then(() => db?.close()).catch(() => {})
    },
  }
}

function fromRecord(soul: string, record: NodeRecord | undefined): GraphNode {
  // The record's arrays are fresh copies from structured clone: the node may own them.
  return record === undefined ? new GraphNode(soul) : new GraphNode(soul, record.k, record.v, record.s)
}

function toRecord(node: GraphNode): NodeRecord {
  return { k: node.keys, v: node.values, s: node.states }
}
