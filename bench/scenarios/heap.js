// Heap bytes per node: the growth of the V8 heap, after full collections,
// from an empty in-memory instance to one holding n nodes of three
// properties. Runs with --expose-gc in its own process; the instance stays
// referenced until measured so nothing it holds can be collected early.
import { check, countCheck, isRecord, readOnce, recordOf, soulOf, windowed } from '../lib/workload.js'

function settledHeap() {
  // Several passes: weak references and finalizers free more on later passes.
  for (let i = 0; i < 4; i++) globalThis.gc()
  return process.memoryUsage().heapUsed
}

export async function heapPerNode(impl, { n }) {
  if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc')
  const db = impl.memory()
  // Let the instance finish starting (timers, first ticks) before the baseline.
  await readOnce(db, 'warm-up-missing', 200)
  const before = settledHeap()
  for (let k = 0; k < n; k++) db.get(soulOf(k)).put(recordOf(k))
  const last = await readOnce(db, soulOf(n - 1))
  const after = settledHeap()
  // Verification after the measurement: reading may build caches we must not count.
  const good = await windowed(n, 1000, (k) => readOnce(db, soulOf(k)).then((d) => isRecord(d, k)))
  return {
    metrics: { bytesPerNode: (after - before) / n, heapMB: after / 2 ** 20 },
    checks: [check('last put visible', isRecord(last, n - 1)), countCheck('records read back intact', good, n)],
  }
}
