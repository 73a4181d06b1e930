// A well-behaved client's put-ack latency while other clients flood frames of many small GETs
// (attack #15's shape: 45 KB frames of 1000 one-soul GETs of missing souls), against a real relay
// process with memory storage (no fsync, so the figures are the scheduler's, not the disk's).
//
//   npm run build && node scripts/measure/get-flood.mjs [--clients 10] [--frames 10] [--limits '{"sliceMessages":16}']
//
// The flooders run in a child process (their answers are parsed there, not in the measuring
// process); the good client writes one key every 5 ms, each after the previous ack, for as long
// as the flood is being answered. Prints the ack latency p50 / p99 / max and how long the flood took.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { startRelay } from './relay.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i === -1 ? fallback : process.argv[i + 1]
}
const CLIENTS = Number(arg('--clients', 10))
const FRAMES = Number(arg('--frames', 10))
const PER_FRAME = 1000

if (process.argv[2] === 'flooders') {
  const url = process.argv[3]
  const socks = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise((resolve) => {
          const ws = new WebSocket(url, { perMessageDeflate: false })
          ws.once('open', () => resolve(ws))
        }),
    ),
  )
  let answers = 0
  const want = CLIENTS * FRAMES * PER_FRAME
  for (const ws of socks)
    ws.on('message', (d) => {
      for (const _ of d.toString().matchAll(/"@":"f\d+-\d+-\d+"/g)) if (++answers === want) process.send({ done: true })
    })
  process.on('message', () => {
    socks.forEach((ws, c) => {
      for (let f = 0; f < FRAMES; f++) {
        const frame = []
        for (let k = 0; k < PER_FRAME; k++) frame.push({ '#': `f${c}-${f}-${k}`, get: { '#': `miss/${c}/${f}/${k}` } })
        ws.send(JSON.stringify(frame))
      }
    })
  })
  process.send({ ready: true })
} else {
  const { port, stop } = await startRelay({ name: 'get-flood', limits: arg('--limits', '{}') })
  const url = `ws://127.0.0.1:${port}/gun`
  const good = await new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.once('open', () => resolve(ws))
  })
  const child = fork(fileURLToPath(import.meta.url), ['flooders', url, '--clients', String(CLIENTS), '--frames', String(FRAMES)])
  await new Promise((resolve) => child.once('message', resolve))
  const acks = new Map()
  good.on('message', (d) => {
    for (const m of d.toString().matchAll(/"@":"(w-?\d+)"/g)) acks.get(m[1])?.()
  })
  const put = (n) =>
    new Promise((resolve) => {
      const t = performance.now()
      acks.set(`w${n}`, () => resolve(performance.now() - t))
      good.send(JSON.stringify({ '#': `w${n}`, put: { good: { _: { '#': 'good', '>': { k: Date.now() } }, k: n } } }))
    })
  for (let n = 0; n < 50; n++) await put(-1 - n) // warm up
  let done = false
  const t0 = performance.now()
  child.once('message', () => (done = true))
  child.send('go')
  const lat = []
  for (let n = 0; !done; n++) {
    lat.push(await put(n))
    await new Promise((r) => setTimeout(r, 5))
  }
  const took = performance.now() - t0
  lat.sort((a, b) => a - b)
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1)
  console.log(
    `${CLIENTS} clients × ${FRAMES} frames × ${PER_FRAME} GETs answered in ${took.toFixed(0)} ms; good put-ack over ${lat.length} puts: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lat.at(-1).toFixed(1)} ms`,
  )
  child.kill()
  good.close()
  stop()
  process.exit(0)
}
