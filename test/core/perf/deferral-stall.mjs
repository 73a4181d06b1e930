// Event-loop stall of deferral inserts (issue 11 #9): not a test, a measurement.
// Usage: npm run build && node test/core/perf/deferral-stall.mjs [path/to/dist]
// 100 000 far-future keys fill the deferral queue (its default count bound), then earlier keys arrive:
//  (a) 1000 puts of one earlier key each, (b) one put carrying 1000 earlier keys (one frame = one task).
// Prints the longest synchronous apply (the stall another client would see) and the total.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const dist = pathToFileURL(resolve(process.argv[2] ?? new URL('../../../dist', import.meta.url).pathname)).href
const { createEngine } = await import(`${dist}/core/engine.js`)
const { GraphNode } = await import(`${dist}/core/node.js`)
const peer = { kind: 'peer', peer: { name: 'flooder' }, id: 'm' }

async function fill(engine, far) {
  for (let batch = 0; batch < 10; batch++) {
    const node = new GraphNode(`far${batch}`)
    for (let i = 0; i < 10_000; i++) node.set(`k${i}`, i, far + i * 10)
    await engine.put([node], peer)
  }
}

function applyTimed(engine, nodes) {
  const t0 = performance.now()
  let refused = 0
  try {
    const out = engine.apply(nodes, peer)
    if (out instanceof Promise) out.catch(() => {})
  } catch {
    refused = 1
  }
  return { ms: performance.now() - t0, refused }
}

for (const [label, options] of [
  ['queue full (maxDeferred 100 000)', { maxDeferred: 100_000, maxDeferredBytes: Infinity }],
  ['queue with room (maxDeferred 200 000)', { maxDeferred: 200_000, maxDeferredBytes: Infinity }],
]) {
  const far = Date.now() + 3_600_000
  let engine = createEngine(options)
  await fill(engine, far)
  let worst = 0
  let total = 0
  for (let i = 0; i < 1000; i++) {
    const node = new GraphNode(`early${i}`)
    node.set('k', i, Date.now() + 60_000 + i)
    const { ms } = applyTimed(engine, [node])
    worst = Math.max(worst, ms)
    total += ms
    await new Promise((r) => setImmediate(r))
  }
  console.log(`${label}: 1000 puts of one earlier key: worst ${worst.toFixed(2)} ms, total ${total.toFixed(1)} ms`)
  await engine.close()

  engine = createEngine(options)
  await fill(engine, far)
  const frame = new GraphNode('frame')
  for (let i = 0; i < 1000; i++) frame.set(`k${i}`, i, Date.now() + 60_000 + i)
  const one = applyTimed(engine, [frame])
  console.log(`${label}: one put of 1000 earlier keys: ${one.ms.toFixed(2)} ms in one task`)
  await engine.close()
}
