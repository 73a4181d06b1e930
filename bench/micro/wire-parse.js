// Micro-benchmark: parseWireGraph on typical one-key wire puts (the relay's hot path).
// Usage: npm run build && node bench/micro/wire-parse.js [puts=100000] [rounds=15] [other wire.js to compare]
// With a second build's wire.js, rounds of the two alternate in one process (so a busy machine
// slows both alike); prints per build the best and median CPU time (user+system) per put.
const puts = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 15)
const builds = [['this build', '../../dist/core/wire.js']]
if (process.argv[4] !== undefined) builds.push(['compared', process.argv[4]])
const parsers = []
for (const [name, path] of builds) parsers.push({ name, parse: (await import(path)).parseWireGraph, times: [] })

const state = 1_764_000_000_000
// Each put as the relay receives it: JSON-parsed, one soul, one key (what a chat/todo write sends).
const graphs = []
for (let i = 0; i < puts; i++) {
  const soul = `chat/room${i % 100}/msg${i}`
  graphs.push(JSON.parse(`{"${soul}":{"_":{"#":"${soul}",">":{"text":${state + i / 1000}}},"text":"hello number ${i}"}}`))
}
let sink = 0
for (let r = 0; r < rounds + 1; r++) {
  for (const parser of parsers) {
    const start = process.cpuUsage()
    for (let i = 0; i < graphs.length; i++) sink += parser.parse(graphs[i]).length
    const used = process.cpuUsage(start)
    if (r > 0) parser.times.push(((used.user + used.system) * 1000) / puts) // round 0 warms the JIT
  }
}
for (const { name, times } of parsers) {
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  console.log(
    `${name}: parseWireGraph, ${puts} one-key puts x ${rounds} rounds: best ${times[0].toFixed(0)} ns/put (${Math.round(1e9 / times[0]).toLocaleString('en')} puts/s), median ${median.toFixed(0)} ns/put CPU`,
  )
}
if (sink === 0) console.log('no nodes parsed')
