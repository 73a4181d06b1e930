// In-memory puts/s, reads/s and properties merged/s through the Gun chain.
// Stock Gun does not ack a put when it has neither storage nor peers, so a
// put phase ends when its last write is readable from the same instance
// (writes are applied in order); every record is then read back and checked.
import { check, countCheck, isRecord, now, readOnce, readWindowed, recordOf, soulOf } from '../lib/workload.js'

const READ_WINDOW = 1000

export async function inMemory(impl, { n, warmup }) {
  await putsAndReads(impl.memory(), warmup, 'w')
  const db = impl.memory()
  return putsAndReads(db, n, 'n')
}

async function putsAndReads(db, n, prefix) {
  let acks = 0
  // Inputs are built before the clock starts: the figure is the database's, not the harness's.
  const souls = Array.from({ length: n }, (_, k) => soulOf(k, prefix))
  const records = Array.from({ length: n }, (_, k) => recordOf(k))
  settleHeap()
  const t0 = now()
  for (let k = 0; k < n; k++) db.get(souls[k]).put(records[k], () => acks++)
  const last = await readOnce(db, soulOf(n - 1, prefix))
  const putMs = now() - t0

  const t1 = now()
  const good = await readWindowed(db, n, READ_WINDOW, (k) => souls[k], isRecord)
  const readMs = now() - t1
  return {
    metrics: { puts: (n / putMs) * 1000, reads: (n / readMs) * 1000 },
    checks: [check('last put visible', isRecord(last, n - 1)), countCheck('records read back intact', good, n)],
    info: { acksSeen: acks },
  }
}

/** Updates half the properties of nodes that already hold ten: the HAM merge path. */
export async function merge(impl, { nodes, warmup }) {
  await mergeRun(impl.memory(), warmup, 'w')
  settleHeap()
  return mergeRun(impl.memory(), nodes, 'm')
}

/**
 * Collect the warm-up's garbage before the clock starts (the jobs run with
 * --expose-gc), for every implementation alike: otherwise whichever run a
 * full collection of the warm-up heap happens to land in is the slow one.
 */
function settleHeap() {
  globalThis.gc?.()
}

const WIDE = 10
const CHANGED = 5

async function mergeRun(db, nodes, prefix) {
  for (let k = 0; k < nodes; k++) db.get(soulOf(k, prefix)).put(wide(k, 0))
  await readOnce(db, soulOf(nodes - 1, prefix))

  const souls = Array.from({ length: nodes }, (_, k) => soulOf(k, prefix))
  const updates = Array.from({ length: nodes }, (_, k) => changed(k))
  settleHeap()
  const t0 = now()
  for (let k = 0; k < nodes; k++) db.get(souls[k]).put(updates[k])
  const last = await readOnce(db, soulOf(nodes - 1, prefix))
  const ms = now() - t0
  const lastOk = last?.p0 === `v${nodes - 1}.1`

  const good = await readWindowed(db, nodes, READ_WINDOW, (k) => souls[k], mergedRight)
  return {
    metrics: { merged: ((nodes * CHANGED) / ms) * 1000 },
    checks: [check('last update visible', lastOk), countCheck('nodes merged correctly', good, nodes)],
  }
}

function wide(k, version) {
  const node = {}
  for (let p = 0; p < WIDE; p++) node[`p${p}`] = `v${k}.${version}`
  return node
}

function changed(k) {
  const node = {}
  for (let p = 0; p < CHANGED; p++) node[`p${p}`] = `v${k}.1`
  return node
}

function mergedRight(d, k) {
  if (d == null) return false
  for (let p = 0; p < WIDE; p++) if (d[`p${p}`] !== `v${k}.${p < CHANGED ? 1 : 0}`) return false
  return true
}
