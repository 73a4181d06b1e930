// Signed user-space puts acknowledged through a relay, with each process's CPU time per put:
// the bench's sea-relay-puts scenario (bench/scenarios/sea.js) on its own, longer, so a CPU profile
// of either side can be taken and a busy machine moves the CPU figures less than puts/s.
//
//   npm run build && node scripts/measure/sea-relay-puts.mjs [--puts 20000] [--window 256] [--warmup 2000] [--prof DIR] [--unsigned]
//
// One client (trellis/gun, logged in, no local storage, as the bench's) keeps `window` puts in flight
// to a relay process (bench/scenarios/relay-server.js, log storage). --prof DIR writes a V8 CPU profile
// of the client (this process) and of the relay into DIR. The profiles sample wall-clock time: a
// thread the OS has set aside shows as busy in the function it was in.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { fileURLToPath } from 'node:url'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]
}
const total = Number(arg('puts', 20_000))
const window = Number(arg('window', 256))
const warmup = Number(arg('warmup', 2000))
const profDir = arg('prof', undefined)
// --unsigned: the same puts into a plain soul, for comparison (no signing, no verification).
const unsigned = process.argv.includes('--unsigned')

const dir = mkdtempSync(join(tmpdir(), 'sea-relay-puts-'))
const entry = fileURLToPath(new URL('../../bench/scenarios/relay-server.js', import.meta.url))
const execArgv = profDir ? [`--cpu-prof`, `--cpu-prof-dir=${profDir}`, '--cpu-prof-name=relay.cpuprofile'] : []
const relay = fork(entry, ['trellis', dir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv })
const url = await new Promise((resolve, reject) => {
  relay.once('exit', (code) => reject(new Error(`relay exited (${code})`)))
  relay.on('message', (msg) => (msg?.type === 'ready' ? resolve(msg.url) : msg?.type === 'error' && reject(new Error(msg.error))))
})
const relayCpu = async () => Number(/^process_cpu_seconds_total (\S+)$/m.exec(await fetch(url.replace(/\/gun$/, '/metrics')).then((r) => r.text()))[1])

const Gun = (await import('trellis/gun')).default
await import('trellis/sea')
// As the bench's client: no local storage (stock Gun's client there has none either).
const db = Gun({ peers: [url], radisk: false })
const user = db.user()
const alias = `m${Math.random().toString(36).slice(2, 8)}`
const ok = (ack) => (ack.err ? Promise.reject(new Error(String(ack.err))) : ack)
await new Promise((resolve) => user.create(alias, 'a long password', resolve)).then(ok)
await new Promise((resolve) => user.auth(alias, 'a long password', resolve)).then(ok)

let errors = 0
const write = (count, prefix) =>
  new Promise((resolve) => {
    let next = 0
    let done = 0
    const pump = () => {
      while (next < count && next - done < window) {
        const k = next++
        ;(unsigned ? db.get('plain') : user).get(`${prefix}${k}`).put(`value ${k}`, (ack) => {
          if (ack?.err) errors++
          if (++done === count) resolve()
          else pump()
        })
      }
    }
    pump()
  })

await write(warmup, 'w')
let session
if (profDir) {
  session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}
const r0 = await relayCpu()
const c0 = process.cpuUsage()
const t0 = performance.now()
await write(total, 'n')
const secs = (performance.now() - t0) / 1000
const c = process.cpuUsage(c0)
const r1 = await relayCpu()
if (session) {
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(join(profDir, 'client.cpuprofile'), JSON.stringify(profile))
}
const perPut = (s) => ((s * 1e6) / total).toFixed(1)
console.log(
  `${unsigned ? 'unsigned' : 'signed'} puts/s ${(total / secs).toFixed(0)}; CPU µs per put: client ${perPut((c.user + c.system) / 1e6)}, relay ${perPut(r1 - r0)}; errors ${errors}`,
)
// The relay exits by itself when its parent disconnects, which lets --cpu-prof write its profile.
if (profDir) relay.disconnect()
else relay.kill('SIGKILL')
await new Promise((resolve) => relay.once('exit', resolve))
rmSync(dir, { recursive: true, force: true })
process.exit(0)
