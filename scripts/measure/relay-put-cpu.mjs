// Relay CPU per acked put (the hot path), less sensitive to a busy machine than puts/s.
//
//   npm run build && node scripts/measure/relay-put-cpu.mjs [--puts 200000]
//
// A real relay process (memory storage) on 127.0.0.1; 4 raw WebSocket writers keep 256 one-key
// puts in flight each, as test/server/perf/relay-perf.mjs does. Prints puts/s and the relay's
// CPU time (process_cpu_seconds_total from its /metrics) per put.
import WebSocket from 'ws'
import { startRelay } from './relay.mjs'

const i = process.argv.indexOf('--puts')
const total = i === -1 ? 200_000 : Number(process.argv[i + 1])
const { port, stop } = await startRelay({ name: 'relay-put-cpu' })
const cpu = async () => Number(/^process_cpu_seconds_total (\S+)$/m.exec(await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()))[1])
const open = () =>
  new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/gun`, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
  })
const writers = await Promise.all([open(), open(), open(), open()])
const S = Date.now() - 10_000
const put = (id, soul, key, value, state) => JSON.stringify({ '#': id, put: { [soul]: { _: { '#': soul, '>': { [key]: state } }, [key]: value } } })
const run = (count, tag) =>
  new Promise((resolve) => {
    let acked = 0
    let sent = 0
    writers.forEach((w, wi) => {
      let inflight = 0
      const pump = () => {
        while (inflight < 256 && sent < count) {
          inflight++
          const n = sent++
          w.send(put(`${tag}${n}`, `soul${n % 1000}`, `k${wi}`, n, S + n / 1000))
        }
      }
      w.removeAllListeners('message')
      w.on('message', (data) => {
        const text = data.toString()
        for (const _ of text.matchAll(/"ok":true/g)) {
          inflight--
          if (++acked === count) resolve()
        }
        pump()
      })
      pump()
    })
  })
await run(20_000, 'warm')
const c0 = await cpu()
const t0 = performance.now()
await run(total, 'p')
const secs = (performance.now() - t0) / 1000
const c1 = await cpu()
console.log(`puts/s ${(total / secs).toFixed(0)}; relay CPU ${(((c1 - c0) * 1e6) / total).toFixed(2)} µs per acked put`)
writers.forEach((w) => w.close())
stop('SIGTERM')
process.exit(0)
