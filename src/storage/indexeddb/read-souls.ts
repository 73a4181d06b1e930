/** Fewer souls than this are read with one `get` each. */
const RANGE_READ_MIN = 32
/** Souls per range read: bounds what one `getAll` holds. */
const CHUNK = 1024
/** A range read returns at most this many records per soul asked; a sparser range falls back to one `get` per soul. */
const DENSITY = 2

/**
 * Read many souls in one readonly transaction, calling `answer` once per soul
 * (with `undefined` for a soul not stored).
 *
 * One `get` per soul costs a round trip to the browser's storage process
 * each; a cold page asking for thousands of nodes at once waits on them one
 * after another. So a large batch is sorted and cut into chunks, and each
 * chunk's key range is read whole (`getAllKeys` + `getAll`, which return the
 * same records in the same order within one transaction) and matched
 * against the souls asked for. Both requests are capped at `DENSITY` records
 * per soul, so a chunk spread thinly over a large store costs no more than
 * that: the souls past the last record returned are read one by one.
 */
export function readSouls(store: IDBObjectStore, souls: string[], answer: (soul: string, record: unknown) => void): void {
  if (souls.length < RANGE_READ_MIN) {
    for (const soul of souls) readOne(store, soul, answer)
    return
  }
  // Default sort compares UTF-16 code units, the order IndexedDB gives string keys.
  souls.sort()
  for (let i = 0; i < souls.length; i += CHUNK) readRange(store, souls.slice(i, i + CHUNK), answer)
}

function readOne(store: IDBObjectStore, soul: string, answer: (soul: string, record: unknown) => void): void {
  const request = store.get(soul)
  request.onsuccess = () => answer(soul, request.result)
}

function readRange(store: IDBObjectStore, souls: readonly string[], answer: (soul: string, record: unknown) => void): void {
  const range = IDBKeyRange.bound(souls[0], souls[souls.length - 1])
  const limit = souls.length * DENSITY
  const keys = store.getAllKeys(range, limit)
  const values = store.getAll(range, limit)
  // Requests of one transaction succeed in the order they were made: the keys are in when the values arrive.
  values.onsuccess = () => {
    const found = keys.result as string[]
    const records = values.result
    const complete = found.length < limit
    const last = found[found.length - 1]
    let at = 0
    for (const soul of souls) {
      if (!complete && soul > last) {
        readOne(store, soul, answer)
        continue
      }
      while (at < found.length && found[at] < soul) at++
      answer(soul, at < found.length && found[at] === soul ? records[at] : undefined)
    }
  }
}
