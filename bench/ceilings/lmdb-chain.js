// LMDB behind the two chain calls the durable scenario makes, so the ceiling
// runs the same workload: `get(soul).put(data, ack)` stores the node in Gun's
// wire form (with its state vector) and acks once LMDB has committed and
// synced; `get(soul).once(cb)` reads it back.
import { join } from 'node:path'
import { open } from 'lmdb'

export function openLmdbChain(dir) {
  // Defaults keep sync on: a put's promise resolves after a durable commit.
  const store = open({ path: join(dir, 'data.mdb'), compression: false })
  const db = {
    get(soul) {
      return {
        put(data, ack) {
          const state = Date.now()
          const meta = { '#': soul, '>': {} }
          for (const key of Object.keys(data)) meta['>'][key] = state
          store.put(soul, { _: meta, ...data }).then(
            () => ack?.({ ok: 1 }),
            (err) => ack?.({ err: String(err) }),
          )
        },
        once(cb) {
          cb(store.get(soul))
        },
      }
    },
  }
  return { db, close: () => store.close() }
}
