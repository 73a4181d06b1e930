// How long one frame holds the relay's event loop, seen by a second client: a
// one-key put sent 1 ms after the attacker's frame, on another socket, and the
// time to its ack. Frames: a 10 000-key put at the current state, the same 2 h
// ahead, and 1000 GETs of missing souls in one frame (three of each).
// Quoted in docs/attack-results.md ("Reading this run").
//
//   npm run build && node scripts/attack/probe-frame-cost.mjs
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanupAll, trackDir } from './lib/cleanup.mjs'
import { freePort, startRelay } from './lib/relay.mjs'
import { connectWire, randomId } from './lib/wire.mjs'
const dir = trackDir(mkdtempSync(join(tmpdir(), 'trellis-probe-')))
process.on('exit', cleanupAll)
const relay = await startRelay({ port: await freePort(), dataDir: dir, flags: ['--max-future', '3h'] })
const c = await connectWire(relay.wsUrl)
const good = await connectWire(relay.wsUrl)
function bigPut(soul, count, firstState) {
  const states = {}
  const node = { _: { '#': soul, '>': states } }
  for (let k = 0; k < count; k++) {
    states[`k${k}`] = firstState + k
    node[`k${k}`] = k
  }
  return node
}
async function timed(label, msg) {
  const id = randomId()
  const t = performance.now()
  const ack = c.waitFor((m) => m['@'] === id && (m.ok !== undefined || m.err !== undefined), 30000)
  // a good put sent right after: how long it waits
  const gid = randomId()
  const gack = good.waitFor((m) => m['@'] === gid, 30000)
  c.send({ '#': id, ...msg })
  await new Promise((r) => setTimeout(r, 1))
  const tg = performance.now()
  good.send({ '#': gid, put: { g: { _: { '#': 'g', '>': { a: Date.now() } }, a: 1 } } })
  await ack
  const ta = performance.now() - t
  await gack
  const tga = performance.now() - tg
  console.log(`${label}: attacker answered in ${ta.toFixed(0)} ms; a good put sent 1 ms later acked in ${tga.toFixed(0)} ms`)
}
for (let i = 0; i < 3; i++) await timed(`10k-key put, current state #${i}`, { put: { [`now${i}`]: bigPut(`now${i}`, 10000, Date.now()) } })
for (let i = 0; i < 3; i++) await timed(`10k-key put, 2 h ahead #${i}`, { put: { [`far${i}`]: bigPut(`far${i}`, 10000, Date.now() + 7_200_000) } })
// 1000 GETs of missing souls in one frame
for (let i = 0; i < 3; i++) {
  const ids = Array.from({ length: 1000 }, () => randomId(12))
  const last = ids[ids.length - 1]
  const t = performance.now()
  const done = c.waitFor((m) => m['@'] === last, 30000)
  const gid = randomId()
  const gack = good.waitFor((m) => m['@'] === gid, 30000)
  c.sendText(JSON.stringify(ids.map((id, k) => ({ '#': id, get: { '#': `miss${i}/${k}` } }))))
  await new Promise((r) => setTimeout(r, 1))
  const tg = performance.now()
  good.send({ '#': gid, put: { g: { _: { '#': 'g', '>': { a: Date.now() } }, a: 1 } } })
  await done
  const ta = performance.now() - t
  await gack
  console.log(
    `1000 GETs of missing souls in one frame (${JSON.stringify(ids.map((id, k) => ({ '#': id, get: { '#': `miss${i}/${k}` } }))).length} chars) #${i}: last answer after ${ta.toFixed(0)} ms; good put acked in ${(performance.now() - tg).toFixed(0)} ms`,
  )
}
c.close()
good.close()
await relay.stop('SIGKILL')
rmSync(dir, { recursive: true, force: true })
process.exit(0)
