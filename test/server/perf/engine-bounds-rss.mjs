// RSS of a relay under the engine's memory attacks (issue 11 #5, #7): not a test, a measurement.
// Usage: npm run build && node test/server/perf/engine-bounds-rss.mjs
// A relay process on a fresh data directory; one client sends (a) 40 puts of a 6 MB value stamped 1 h in the
// future (the deferral queue), then (b) 60 puts of 6 MB nodes (the node cache). RSS from /metrics after each,
// after a GC-friendly pause. RELAY_OPTIONS (JSON) passes bounds, e.g. {"maxDeferredBytes":67108864}.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const script = fileURLToPath(new URL('../fixtures/relay-process.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'trellis-rss-'))
const child = spawn(process.execPath, ['--expose-gc', script, '0', dir], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env })
const port = await new Promise((resolve) =>
  child.stdout.on('data', (d) => {
    const m = /READY (\d+)/.exec(d.toString())
    if (m) resolve(Number(m[1]))
  }),
)
const base = `http://127.0.0.1:${port}`
const metric = async (name) => {
  const text = await (await fetch(`${base}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(name + ' '))
  return line === undefined ? NaN : Number(line.split(' ')[1])
}
const rssMb = async () => (await metric('process_resident_memory_bytes')) / 1024 / 1024
const ws = new WebSocket(`ws://127.0.0.1:${port}/gun`, { perMessageDeflate: false })
const acks = new Map()
ws.on('message', (data) => {
  const text = data.toString()
  const msgs = text[0] === '[' ? JSON.parse(text) : [JSON.parse(text)]
  for (const m of msgs) {
    if (m.dam === '?' && !m['@']) ws.send(JSON.stringify({ dam: '?', pid: 'rss' + Math.random(), '@': m['#'] }))
    if (m['@'] && acks.has(m['@'])) {
      acks.get(m['@'])(m)
      acks.delete(m['@'])
    }
  }
})
await new Promise((r) => ws.on('open', r))
const put = (id, soul, value, state) =>
  new Promise((resolve) => {
    acks.set(id, resolve)
    ws.send(JSON.stringify({ '#': id, put: { [soul]: { _: { '#': soul, '>': { v: state } }, v: value } } }))
  })
const settle = () => new Promise((r) => setTimeout(r, 1500))
const big = (i) => `${i}:`.padEnd(6_000_000, 'x')

await settle()
const start = await rssMb()
let ok = 0,
  refused = 0
for (let i = 0; i < 40; i++) {
  const a = await put(`d${i}`, `future${i}`, big(i), Date.now() + 3_600_000)
  a.err ? refused++ : ok++
}
await settle()
const afterDeferred = await rssMb()
console.log(
  `(a) 40 far-future 6 MB puts: ${ok} acked, ${refused} refused; RSS ${start.toFixed(0)} → ${afterDeferred.toFixed(0)} MB (+${(afterDeferred - start).toFixed(0)}); deferred bytes (metric) ${((await metric('trellis_deferred_bytes')) / 1048576).toFixed(1)} MiB`,
)
ok = 0
refused = 0
for (let i = 0; i < 60; i++) {
  const a = await put(`n${i}`, `node${i}`, big(i), Date.now() - 1000)
  a.err ? refused++ : ok++
}
await settle()
const afterNodes = await rssMb()
console.log(
  `(b) 60 nodes of 6 MB: ${ok} acked, ${refused} refused; RSS ${afterDeferred.toFixed(0)} → ${afterNodes.toFixed(0)} MB (+${(afterNodes - afterDeferred).toFixed(0)}); node cache (metric) ${((await metric('trellis_node_cache_bytes')) / 1048576).toFixed(1)} MiB`,
)
ws.close()
child.kill('SIGKILL')
rmSync(dir, { recursive: true, force: true })
process.exit(0)
