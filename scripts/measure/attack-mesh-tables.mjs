// Attacks on the relay's mesh tables, against a real relay process on 127.0.0.1 (issue 11, findings 11 and 15).
// Usage: npm run build && node scripts/measure/attack-mesh-tables.mjs [routes=100000]
// Prints JSON lines: table sizes/bytes and RSS (from /metrics) while filling, after the client left, and
// after the route age; and how long a well-behaved client's GET of a missing soul takes while a raw
// socket that claims "relay":true is connected (it used to wait forwardTimeoutMs, 2 s, for the claimant).
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const ROUTES = Number(process.argv[2] ?? 100_000)
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const deadline = setTimeout(() => {
  console.error('attack script timed out')
  process.exit(2)
}, 120_000)

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port
    s.close(() => resolve(p))
  })
})
const relay = spawn(process.execPath, [CLI, 'serve', '--memory', '--port', String(port), '--log-level', 'silent', '--no-admin'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
await new Promise((resolve) => relay.stdout.on('data', (d) => String(d).includes('listening') && resolve()))
const url = `ws://127.0.0.1:${port}/gun`

async function metrics() {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const pick = (re) => Object.fromEntries([...text.matchAll(re)].map((m) => [m[1], Number(m[2])]))
  return {
    size: pick(/^trellis_mesh_table_size\{table="(\w+)"\} (\S+)$/gm),
    bytes: pick(/^trellis_mesh_table_bytes\{table="(\w+)"\} (\S+)$/gm),
    rssMB: Math.round(Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1] ?? 0) / 1e6),
  }
}
const report = async (phase, extra = {}) => {
  const m = await metrics()
  console.log(
    JSON.stringify({ phase, routes: m.size.routes, routeBytes: m.bytes.routes, dedup: m.size.dedup, dedupBytes: m.bytes.dedup, rssMB: m.rssMB, ...extra }),
  )
}

function open(answer = {}) {
  const ws = new WebSocket(url)
  const heard = []
  const waiters = new Set()
  ws.on('message', (data) => {
    for (const msg of [JSON.parse(String(data))].flat()) {
      heard.push(msg)
      if (msg.dam === '?' && msg['@'] === undefined)
        ws.send(JSON.stringify({ '#': 'hs' + Math.random(), dam: '?', pid: 'p' + Math.random(), '@': msg['#'], ...answer }))
    }
    for (const w of [...waiters]) w()
  })
  const waitFor = (pred) =>
    new Promise((resolve) => {
      const check = () => {
        const hit = heard.find(pred)
        if (hit) {
          waiters.delete(check)
          resolve(hit)
        }
      }
      waiters.add(check)
      check()
    })
  return new Promise((resolve) => ws.once('open', () => resolve({ ws, heard, waitFor })))
}

await report('start')
// 1. Routes: first GETs of unique souls leave ask-back routes the client never answers; long ids fill dedup.
const filler = await open()
const BATCH = 5000
for (let i = 0; i < ROUTES; i += BATCH) {
  const batch = []
  for (let k = i; k < Math.min(ROUTES, i + BATCH); k++) batch.push({ '#': `${k}-${'x'.repeat(100)}`, get: { '#': `attack/${k}` } })
  filler.ws.send(JSON.stringify(batch))
  // Paced under the relay's per-connection GET budget (10 000/s).
  await new Promise((r) => setTimeout(r, 600))
}
// Every GET answered ("not found", or an error past the budget).
await filler.waitFor(() => filler.heard.filter((m) => m['@'] !== undefined && String(m['@']).endsWith('x'.repeat(100))).length >= ROUTES)
await report('filled')
filler.ws.close()
const left = Date.now()
await new Promise((r) => setTimeout(r, 2000))
await report('client left +2s')
// Default route age 30 s, dedup 9 s: wait until the tables are empty (or 40 s).
for (;;) {
  const m = await metrics()
  if ((m.size.routes === 0 && m.size.dedup === 0) || Date.now() - left > 40_000) break
  await new Promise((r) => setTimeout(r, 500))
}
await report('tables expired', { secondsAfterLeaving: Math.round((Date.now() - left) / 1000) })

// 2. A raw socket claims to be a relay; a well-behaved client reads a missing soul.
const claimant = await open({ relay: true, oneLink: true })
const reader = await open()
await new Promise((r) => setTimeout(r, 200))
const times = []
for (let i = 0; i < 20; i++) {
  const id = `read-${i}`
  const start = performance.now()
  reader.ws.send(JSON.stringify({ '#': id, get: { '#': `missing/${i}` } }))
  await reader.waitFor((m) => m['@'] === id)
  times.push(performance.now() - start)
}
times.sort((a, b) => a - b)
const claimantSawGets = claimant.heard.filter((m) => m.get !== undefined && String(m['#']).startsWith('read-')).length
console.log(
  JSON.stringify({ phase: 'claimant connected', readNotFoundMsP50: +times[10].toFixed(1), readNotFoundMsMax: +times[19].toFixed(1), claimantSawGets }),
)

claimant.ws.close()
reader.ws.close()
relay.kill('SIGKILL')
clearTimeout(deadline)
