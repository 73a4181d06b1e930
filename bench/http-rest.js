// REST API throughput and latency of `trellis serve` (autocannon), with the relay's memory.
// Usage: npm run build && node bench/http-rest.js [--duration 10] [--connections 32]
// The relay runs in its own process (built CLI, LOG_LEVEL=warn); autocannon runs here, on the same machine.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } })
const duration = Number(values.duration)
const connections = Number(values.connections)
const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))

function startRelay(args) {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/[^/\s]+)\/gun/.exec(out)
      if (m) resolve({ child, base: m[1] })
    })
    child.once('exit', (code) => reject(new Error(`relay exited ${code}`)))
  })
}

async function rss(base) {
  const res = await fetch(`${base}/api/v1/status`)
  return (await res.json()).data.memory.rss
}

function run(options) {
  return new Promise((resolve, reject) => {
    autocannon({ connections, duration, ...options }, (err, result) => (err ? reject(err) : resolve(result)))
  })
}

const mb = (n) => `${(n / 1048576).toFixed(0)} MB`
const rows = []

async function scenario(label, relayArgs) {
  const relay = await startRelay(relayArgs)
  const { base } = relay
  const idle = await rss(base)
  // 1000 nodes to read.
  for (let i = 0; i < 1000; i++) {
    await fetch(`${base}/api/v1/data/bench/u${i}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: `user ${i}`, n: i, ok: true }),
    })
  }
  let i = 0
  const get = await run({
    url: base,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/v1/data/bench/u${i++ % 1000}` }) }],
  })
  const afterGet = await rss(base)
  let j = 0
  const put = await run({
    url: base,
    requests: [
      {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, path: `/api/v1/data/bench/w${j % 5000}`, body: JSON.stringify({ name: `writer ${j}`, n: j++, ok: true }) }),
      },
    ],
  })
  const afterPut = await rss(base)
  for (const [op, r] of [
    ['GET', get],
    ['PUT', put],
  ]) {
    rows.push({ label, op, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, total: r.requests.total })
  }
  rows.push({ label, memory: `idle ${mb(idle)}, after GET ${mb(afterGet)}, after PUT ${mb(afterPut)}` })
  relay.child.kill('SIGTERM')
  await new Promise((r) => relay.child.once('exit', r))
}

await scenario('durable (log storage, fsync before 200)', ['--data', mkdtempSync(join(tmpdir(), 'trellis-bench-http-'))])
await scenario('memory', ['--memory'])

console.log(
  `trellis serve REST API — autocannon ${connections} connections × ${duration} s per run; ${cpus().length} CPUs (${cpus()[0].model}); Node ${process.version}`,
)
console.log('| storage | op | req/s | p50 ms | p99 ms | requests | errors |')
console.log('|---|---|---:|---:|---:|---:|---:|')
for (const r of rows) if (r.op) console.log(`| ${r.label} | ${r.op} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.total} | ${r.errors} |`)
for (const r of rows) if (r.memory) console.log(`relay RSS, ${r.label}: ${r.memory}`)
