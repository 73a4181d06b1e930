// Quick relay measurements (not the bench harness): node test/server/perf/relay-perf.mjs [trellis|bare]
// The relay runs in a child process; clients here. Needs `npx tsc -p tsconfig.build.json` first.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'

const mode = process.argv[2] ?? 'trellis'
const script = fileURLToPath(new URL(mode === 'bare' ? './bare-ws-server.mjs' : '../fixtures/relay-process.mjs', import.meta.url))
// PERF_DATA_DIR: run the relay on the log storage in that directory (fsync before ack) instead of memory.
const child = spawn(process.execPath, [script, '0', process.env.PERF_DATA_DIR ?? '-'], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise((resolve) =>
  child.stdout.on('data', (d) => {
    const m = /READY (\d+)/.exec(d.toString())
    if (m) resolve(Number(m[1]))
  }),
)
const url = `ws://127.0.0.1:${port}/gun`
const S = Date.now() - 10_000

function client() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.handlers = new Set()
    ws.on('message', (data) => {
      const text = data.toString()
      if (text === '[]') return
      const msgs = text[0] === '[' ? JSON.parse(text) : [JSON.parse(text)]
      for (const m of msgs) {
        if (m.dam === '?' && !m['@']) {
          ws.send(JSON.stringify({ dam: '?', pid: 'c' + Math.random(), '@': m['#'] }))
          continue
        }
        for (const h of ws.handlers) h(m)
      }
    })
    ws.on('open', () => resolve(ws))
  })
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]
}
const put = (id, soul, key, value, state) => JSON.stringify({ '#': id, put: { [soul]: { _: { '#': soul, '>': { [key]: state } }, [key]: value } } })
const subscribe = (ws, soul, id) =>
  new Promise((resolve) => {
    const h = (m) => {
      if (m['@'] === id) {
        ws.handlers.delete(h)
        resolve()
      }
    }
    ws.handlers.add(h)
    ws.send(JSON.stringify({ '#': id, get: { '#': soul } }))
  })

// 1. write → subscriber latency, one write at a time
{
  const writer = await client()
  const sub = await client()
  await subscribe(sub, 'lat', 'glat')
  const lat = []
  for (let i = 0; i < 3000; i++) {
    const t0 = performance.now()
    await new Promise((resolve) => {
      const h = (m) => {
        if (m.put?.lat?.k === i) {
          sub.handlers.delete(h)
          resolve()
        }
      }
      sub.handlers.add(h)
      writer.send(put('l' + i, 'lat', 'k', i, S + i))
    })
    if (i >= 200) lat.push(performance.now() - t0)
  }
  console.log(`latency write→subscriber: p50 ${pct(lat, 0.5).toFixed(3)} ms, p99 ${pct(lat, 0.99).toFixed(3)} ms`)
  writer.close()
  sub.close()
}

// 2. puts/s: 4 writers, 256 puts in flight each, acks counted (bare server: counts its ack-like echo)
{
  const writers = await Promise.all([client(), client(), client(), client()])
  const total = 200_000
  let acked = 0,
    sent = 0
  const t0 = performance.now()
  await new Promise((resolve) => {
    writers.forEach((w, wi) => {
      let inflight = 0
      const pumpW = () => {
        while (inflight < 256 && sent < total) {
          inflight++
          const n = sent++
          w.send(put(`t${n}`, `soul${n % 1000}`, `k${wi}`, n, S + n / 1000))
        }
      }
      w.handlers.add((m) => {
        if (m['@'] !== undefined && m.ok) {
          inflight--
          if (++acked === total) resolve()
          else pumpW()
        }
      })
      pumpW()
    })
  })
  const secs = (performance.now() - t0) / 1000
  console.log(`puts/s (4 connections, acked): ${(total / secs).toFixed(0)}`)
  writers.forEach((w) => w.close())
}

// 3. delivery to 500 subscribers
{
  const subs = []
  for (let i = 0; i < 500; i++) subs.push(await client())
  await Promise.all(subs.map((s, i) => subscribe(s, 'fan', 'gfan' + i)))
  const writer = await client()
  const lat = []
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now()
    const times = []
    await new Promise((resolve) => {
      let got = 0
      for (const s of subs) {
        const h = (m) => {
          if (m.put?.fan?.k === i) {
            s.handlers.delete(h)
            times.push(performance.now() - t0)
            if (++got === subs.length) resolve()
          }
        }
        s.handlers.add(h)
      }
      writer.send(put('f' + i, 'fan', 'k', i, S + i))
    })
    lat.push(...times)
    await new Promise((r) => setTimeout(r, 5))
  }
  console.log(`500 subscribers: delivery p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms`)
  subs.forEach((s) => s.close())
  writer.close()
}
child.kill('SIGTERM')
process.exit(0)
