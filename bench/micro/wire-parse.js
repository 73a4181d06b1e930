// Micro-benchmark: parseWireGraph on typical one-key wire puts (the relay's hot path).
// Usage: npm run build && node bench/micro/wire-parse.js [puts=100000] [rounds=7]
// Prints the median and best of `rounds` runs, in ns per put and puts/s.
import { parseWireGraph } from '../../dist/core/wire.js'

const puts = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 7)
const state = 1_764_000_000_000
// Each put as the relay receives it: JSON-parsed, one soul, one key (what a chat/todo write sends).
const texts = []
for (let i = 0; i < puts; i++) {
  const soul = `chat/room${i % 100}/msg${i}`
  texts.push(`{"${soul}":{"_":{"#":"${soul}",">":{"text":${state + i / 1000}}},"text":"hello number ${i}"}}`)
}
const graphs = texts.map((t) => JSON.parse(t))
let sink = 0
const times = []
for (let r = 0; r < rounds + 1; r++) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < graphs.length; i++) sink += parseWireGraph(graphs[i]).length
  const ns = Number(process.hrtime.bigint() - start)
  if (r > 0) times.push(ns / puts) // round 0 warms the JIT
}
times.sort((a, b) => a - b)
const median = times[Math.floor(times.length / 2)]
console.log(`parseWireGraph, ${puts} one-key puts x ${rounds} rounds: median ${median.toFixed(1)} ns/put (${Math.round(1e9 / median).toLocaleString('en')} puts/s), best ${times[0].toFixed(1)} ns/put [${sink}]`)
