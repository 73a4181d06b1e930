// Durable, acknowledged writes and what they cost later: acked puts/s on an
// empty store, then for a store of n records the cold start (open + first
// read), the full read-back and the bytes on disk. Trellis runs its log
// storage with fsync on; stock Gun runs RAD as it ships (it acks after the
// file write, without fsync); LMDB is the ceiling with its durable defaults.
import { openLmdbChain } from '../ceilings/lmdb-chain.js'
import { bytesUnder, removeDir, tempDir } from '../lib/disk.js'
import { check, countCheck, isRecord, now, putAck, readOnce, recordOf, soulOf, windowed } from '../lib/workload.js'

export const PUT_WINDOW = 1000
const READ_WINDOW = 1000

async function openStore(impl, dir) {
  if (impl.id === 'lmdb') return openLmdbChain(dir)
  return impl.durable(dir)
}

async function writeAll(db, n, prefix) {
  const errors = []
  const acked = await windowed(n, PUT_WINDOW, (k) =>
    putAck(db, soulOf(k, prefix), recordOf(k)).then((ack) => {
      if (ack.err && errors.length < 3) errors.push(String(ack.err))
      return !ack.err
    }),
  )
  return { acked, errors }
}

export async function durablePuts(impl, { n, warmup }) {
  const warmDir = tempDir(`${impl.id}-warm`)
  const dir = tempDir(`${impl.id}-puts`)
  try {
    const warm = await openStore(impl, warmDir)
    await writeAll(warm.db, warmup, 'w')
    await warm.close()

    const store = await openStore(impl, dir)
    const t0 = now()
    const { acked, errors } = await writeAll(store.db, n, 'n')
    const ms = now() - t0
    await store.close()
    return {
      metrics: { puts: (n / ms) * 1000 },
      checks: [check('every put acknowledged without error', acked === n, `${acked}/${n}${errors.length ? `; ${errors.join('; ')}` : ''}`)],
    }
  } finally {
    removeDir(warmDir)
    removeDir(dir)
  }
}

/** Setup of the cold-start figures: fill `dir` with n records (timed too, but as one sample). */
export async function seed(impl, { n, dir }) {
  const store = await openStore(impl, dir)
  const t0 = now()
  const { acked, errors } = await writeAll(store.db, n, 'n')
  const ms = now() - t0
  await store.close()
  return {
    metrics: { seedPuts: (n / ms) * 1000, bytes: bytesUnder(dir) },
    checks: [check('every seed put acknowledged', acked === n, `${acked}/${n}${errors.length ? `; ${errors.join('; ')}` : ''}`)],
  }
}

/**
 * Open a store that another process filled, read one record, then every
 * record. With `budgetMs`, no new read starts once the budget is spent (for
 * stock Gun, whose RAD read-back runs at tens to hundreds of records per
 * second here): the rate is then over the records read, and a note says so.
 */
export async function coldRead(impl, { n, dir, budgetMs = Infinity }) {
  const t0 = now()
  const store = await openStore(impl, dir)
  const first = await readOnce(store.db, soulOf(0))
  const coldMs = now() - t0
  const t1 = now()
  let attempted = 0
  const good = await windowed(n, READ_WINDOW, (k) => {
    if (now() - t1 > budgetMs) return Promise.resolve(false)
    attempted++
    return readOnce(store.db, soulOf(k)).then((d) => isRecord(d, k))
  })
  const readMs = now() - t1
  await store.close()
  const partial = attempted < n
  return {
    metrics: { coldStartMs: coldMs, readBack: (attempted / readMs) * 1000, readBackMs: readMs },
    checks: [check('first record read on open', isRecord(first, 0), shown(first)), countCheck('records read back intact', good, attempted)],
    notes: partial ? [`read back ${attempted} of ${n} records within the ${Math.round(budgetMs / 1000)} s budget; the rate is over those`] : [],
  }
}

/** A record as read, without Gun's metadata, for a failed check's detail. */
function shown(data) {
  if (data == null) return `got ${data}`
  const { _: _meta, ...fields } = data
  return `got ${JSON.stringify(fields)}`
}
