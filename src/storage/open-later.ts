import type { StorageAdapter, StorageHealth } from '../core/storage-contract.js'

/**
 * A store that can be handed to an engine at once while it still opens:
 * for constructors that must return synchronously (Gun's `Gun()`) over a
 * store that opens asynchronously (a log directory, IndexedDB). Calls made
 * meanwhile wait for the opening, in order; once open, the opened store's
 * methods take their place, so there is no extra hop afterwards, and
 * `getNow` appears (the engine looks it up on each use). A failed opening
 * rejects every call with its error and shows in `health()`.
 */
export function openLater(opening: Promise<StorageAdapter>): StorageAdapter {
  let failure: { error: string; since: number } | undefined
  const later: StorageAdapter = {
    get: (soul, range) => opening.then((store) => store.get(soul, range)),
    put: (nodes) => opening.then((store) => store.put(nodes)),
    souls: (range) => opening.then((store) => store.souls(range)),
    close: () => opening.then((store) => store.close(), ignore),
    health: (): StorageHealth => (failure === undefined ? { ok: true } : { ok: false, ...failure }),
    probe: () => opening.then((store) => store.probe?.()),
  }
  // Registered before any call's `then`, so it runs first: calls queued while opening then reach the store in call order.
  opening.then(
    (store) => {
      later.get = store.get.bind(store)
      later.put = store.put.bind(store)
      later.souls = store.souls.bind(store)
      later.close = store.close.bind(store)
      later.getNow = store.getNow?.bind(store)
      later.health = store.health === undefined ? () => ({ ok: true }) : store.health.bind(store)
      later.probe = store.probe?.bind(store)
    },
    (error: unknown) => {
      failure = { error: error instanceof Error ? error.message : String(error), since: Date.now() }
    },
  )
  return later
}

const ignore = () => undefined
