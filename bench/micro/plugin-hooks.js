// Micro-benchmark: what Gun.on('opt') plugins cost on local writes and reads of a Gun drop-in instance.
// Usage: npm run build && node bench/micro/plugin-hooks.js [ops=200000] [rounds=5] [another build's gun.node.js]
// Cases: `plain` (no hook registered: must cost nothing), `hooked` (an opt hook adding pass-through
// `in` and `out` handlers: every write and read then goes out as a wire message). With a second build,
// rounds of the builds alternate in one process so a busy machine slows both alike. Prints per build and
// case the best and median CPU time (user+system) per put and per read (`once` of a soul in memory).
const ops = Number(process.argv[2] ?? 200_000)
const rounds = Number(process.argv[3] ?? 5)
const builds = [['this build', '../../dist/gun.node.js']]
if (process.argv[4] !== undefined) builds.push(['compared', process.argv[4]])

const cases = []
for (const [name, path] of builds) {
  const Gun = (await import(path)).default
  cases.push({ name: `${name}, plain`, Gun, hooked: false, puts: [], reads: [] })
  if (typeof Gun.on === 'function') cases.push({ name: `${name}, hooked`, Gun, hooked: true, puts: [], reads: [] })
}

const cpu = (start) => {
  const used = process.cpuUsage(start)
  return ((used.user + used.system) * 1000) / ops // ns per op
}

async function measure(c) {
  let hook
  if (c.hooked) {
    let out = 0
    hook = c.Gun.on('opt', function (ctx) {
      ctx.on('in', function (msg) {
        this.to.next(msg)
      })
      ctx.on('out', function (msg) {
        out++
        this.to.next(msg)
      })
      this.to.next(ctx)
    })
    c.out = () => out
  }
  const gun = c.Gun({ radisk: false })
  hook?.off()
  let start = process.cpuUsage()
  for (let i = 0; i < ops; i++) gun.get(`s${i % 1000}`).put({ n: i })
  await gun.synced()
  c.puts.push(cpu(start))
  start = process.cpuUsage()
  await new Promise((resolve) => {
    let left = ops
    for (let i = 0; i < ops; i++)
      gun.get(`s${i % 1000}`).once(() => {
        if (--left === 0) resolve()
      })
  })
  c.reads.push(cpu(start))
  await gun.close()
}

for (let r = 0; r < rounds + 1; r++) {
  for (const c of cases) {
    const putsBefore = c.puts.length
    await measure(c)
    if (r === 0) {
      // Round 0 warms the JIT.
      c.puts.length = putsBefore
      c.reads.length = putsBefore
    }
  }
}
const show = (times) => {
  times.sort((a, b) => a - b)
  return `best ${Math.round(times[0])} ns, median ${Math.round(times[Math.floor(times.length / 2)])} ns`
}
for (const c of cases) console.log(`${c.name.padEnd(24)} put: ${show(c.puts)}   read: ${show(c.reads)}`)
