import { TrellisError } from '../../core/errors.js'

/** Object stores: one record per soul (the whole node), the journal of future-state writes, and the offline queue. */
export const NODES = 'nodes'
export const PENDING = 'pending'
export const UNSENT = 'unsent'
/** Schema version; bump with an upgrade step when the layout changes (2: the `unsent` store). */
const VERSION = 2

/** The browser's IndexedDB factory, or undefined where there is none (old private modes, workers without it, Node). */
function indexedDbFactory(): IDBFactory | undefined {
  try {
    return (globalThis as { indexedDB?: IDBFactory }).indexedDB ?? undefined
  } catch {
    // Some browsers throw on merely reading `indexedDB` when storage is blocked (third-party iframes, file://).
    return undefined
  }
}

/**
 * Open (creating on first use) the database `name`. Rejects with a
 * `TrellisError` `STORAGE` that names the database when IndexedDB is missing
 * or refuses (private modes, blocked storage), or when `name` holds a
 * database that is not Trellis's (e.g. stock Gun's `radata`).
 */
export function openDatabase(name: string): Promise<IDBDatabase> {
  const factory = indexedDbFactory()
  if (factory === undefined) return Promise.reject(unavailable(name, 'this browser has no indexedDB'))
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (error: TrellisError) => {
      if (settled) return
      settled = true
      reject(error)
    }
    let request: IDBOpenDBRequest
    try {
      request = factory.open(name, VERSION)
    } catch (error) {
      fail(unavailable(name, describe(error)))
      return
    }
    request.onupgradeneeded = (event) => {
      const db = request.result
      // An existing database without our nodes store is someone else's (stock Gun's radata): leave it untouched.
      if (event.oldVersion > 0 && !db.objectStoreNames.contains(NODES)) {
        request.transaction?.abort()
        fail(foreign(name))
        return
      }
      if (!db.objectStoreNames.contains(NODES)) db.createObjectStore(NODES)
      if (!db.objectStoreNames.contains(PENDING)) db.createObjectStore(PENDING, { keyPath: 'id' })
      if (!db.objectStoreNames.contains(UNSENT)) db.createObjectStore(UNSENT, { keyPath: 'id' })
    }
    request.onsuccess = () => {
      const db = request.result
      if (settled) {
        db.close()
        return
      }
      if (![NODES, PENDING, UNSENT].every((store) => db.objectStoreNames.contains(store))) {
        db.close()
        fail(foreign(name))
        return
      }
      settled = true
      resolve(db)
    }
    request.onerror = () => fail(unavailable(name, describe(request.error)))
    // Another page holds an older version open: a foreign database, or a tab still running an older Trellis (that
    // one closes on versionchange, see adapter.ts). Refused now rather than left waiting; should the open still
    // succeed later, that connection is closed.
    request.onblocked = () => fail(unavailable(name, 'another page holds the database open at an older version'))
  })
}

function foreign(name: string): TrellisError {
  return new TrellisError('STORAGE', `IndexedDB database '${name}' exists but is not a Trellis store (stock Gun's radata?): pick another name`)
}

function unavailable(name: string, why: string): TrellisError {
  return new TrellisError('STORAGE', `IndexedDB is unavailable, cannot open database '${name}': ${why}`)
}

/** `Name: message` of a DOMException (or any error). */
export function describe(error: unknown): string {
  if (error instanceof Error || (typeof DOMException !== 'undefined' && error instanceof DOMException)) {
    const { name, message } = error as Error
    return message === '' ? name : `${name}: ${message}`
  }
  return String(error)
}

/** A failed write transaction as the caller should see it: quota refusals get code QUOTA, the rest STORAGE. */
export function writeFailed(name: string, error: unknown): TrellisError {
  const isQuota = error !== null && typeof error === 'object' && (error as { name?: unknown }).name === 'QuotaExceededError'
  if (isQuota) return new TrellisError('QUOTA', `IndexedDB quota exceeded in database '${name}', nothing of this write was stored: ${describe(error)}`)
  return new TrellisError('STORAGE', `IndexedDB write to database '${name}' failed, nothing of it was stored: ${describe(error)}`)
}
