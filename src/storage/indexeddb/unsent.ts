import type { UnsentJournal, UnsentWrite } from '../../core/storage-contract.js'
import { UNSENT, writeFailed } from './open.js'

/** One journal record: the write, and when it was added (records are keyed by id, so `list` orders by this). */
interface UnsentRecord extends UnsentWrite {
  at: number
}

type Operation = { kind: 'add'; record: UnsentRecord; resolve: () => void; reject: (error: unknown) => void } | { kind: 'remove'; id: string }

/**
 * The offline queue in the `unsent` object store. Every write a connected
 * client makes passes through here twice (added when sent, removed when
 * acked), so operations queued while a transaction commits share the next
 * one, in call order: one add and one remove per write would otherwise be two
 * transactions per write.
 */
export function createUnsentJournal(name: string, database: () => Promise<IDBDatabase>, durability: IDBTransactionDurability): UnsentJournal {
  let queue: Operation[] = []
  let flushing = false
  let last = 0

  const commit = async (batch: Operation[]) => {
    const adds = batch.filter((op) => op.kind === 'add')
    try {
      const db = await database()
      // Removes alone need not be durable (the contract); adds must be.
      const tx = db.transaction(UNSENT, 'readwrite', { durability: adds.length > 0 ? durability : 'relaxed' })
      const store = tx.objectStore(UNSENT)
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onabort = () => reject(writeFailed(name, tx.error ?? new Error('the transaction was aborted')))
        try {
          for (const op of batch) {
            if (op.kind === 'add') store.put(op.record)
            else store.delete(op.id)
          }
        } catch (error) {
          tx.abort()
          reject(writeFailed(name, error))
        }
      })
      for (const op of adds) op.resolve()
    } catch (error) {
      for (const op of adds) op.reject(error)
    }
  }

  const flush = async () => {
    flushing = true
    while (queue.length > 0) {
      const batch = queue
      queue = []
      await commit(batch)
    }
    flushing = false
  }

  const enqueue = (op: Operation) => {
    queue.push(op)
    if (!flushing) void flush()
  }

  return {
    add(write) {
      // Strictly increasing even within one millisecond, so the order of adds survives.
      last = Math.max(last + 1e-3, Date.now())
      const record: UnsentRecord = { id: write.id, put: write.put, at: last }
      return new Promise((resolve, reject) => enqueue({ kind: 'add', record, resolve, reject }))
    },
    remove(id) {
      enqueue({ kind: 'remove', id })
      return Promise.resolve()
    },
    async list() {
      const db = await database()
      const tx = db.transaction(UNSENT, 'readonly')
      const records = await new Promise<UnsentRecord[]>((resolve, reject) => {
        const request = tx.objectStore(UNSENT).getAll()
        request.onsuccess = () => resolve(request.result as UnsentRecord[])
        tx.onabort = () => reject(writeFailed(name, tx.error ?? new Error('the transaction was aborted')))
      })
      return records.sort((a, b) => a.at - b.at).map(({ id, put }) => ({ id, put }))
    },
  }
}
