// The observer: a process of its own (so an attacker's busy event loop cannot
// distort what it measures) that
//  - samples the relay's VmRSS from /proc,
//  - is the well-behaved client: one-key puts at a steady rate over ws,
//    recording each put's time to ack,
//  - probes GET /healthz, one request at a time, recording response times.
// The parent drives it over IPC: phases, pause/resume around a restart,
// verify (read back every acknowledged key), summary.
import { Agent, get as httpGet } from 'node:http'
import { performance } from 'node:perf_hooks'
import { readRss } from './relay.mjs'
import { connectWire } from './wire.mjs'
import { median, percentile } from './stats.mjs'

let config
let pid
let client
let phase = 'baseline'
let attackStartedAt = Infinity
let putsOn = false
let probesOn = false
let seq = 0
const rss = [] // { t, rss }
const inflight = new Map() // id → { key, sentAt, phase }
const putLatency = [] // attack-phase puts: ms
let putErrors = 0
let putsSentInAttack = 0
let interrupted = 0
const acked = new Map() // key → value
const health = [] // attack-phase probes: ms
let healthFailures = 0
let healthInflightSince
let rssAfter
const agent = new Agent({ keepAlive: true, maxSockets: 1 })
const timers = []

const now = () => performance.now()

function sampleRss() {
  const value = readRss(pid)
  if (value !== undefined) rss.push({ t: now(), rss: value })
}

function recentRss(windowMs) {
  const since = now() - windowMs
  const recent = rss.filter((s) => s.t >= since).map((s) => s.rss)
  return recent.length > 0 ? median(recent) : rss.at(-1)?.rss
}

async function openClient() {
  client = await connectWire(config.wsUrl, { greeting: { pid: `good${process.pid}` } })
  client.listen((msg) => {
    if (msg === undefined) return
    const id = msg['@']
    if (typeof id !== 'string') return
    const sent = inflight.get(id)
    if (sent === undefined || (msg.ok === undefined && msg.err === undefined)) return
    inflight.delete(id)
    if (msg.err !== undefined) {
      if (sent.phase === 'attack') putErrors++
      return
    }
    acked.set(sent.key, sent.value)
    if (sent.phase === 'attack') putLatency.push(now() - sent.sentAt)
  })
}

function putOnce() {
  if (!putsOn || client === undefined || client.closed) return
  const n = seq++
  const id = `g${n}x${Math.random().toString(36).slice(2, 8)}`
  const key = `k${n}`
  inflight.set(id, { key, value: n, sentAt: now(), phase })
  if (phase === 'attack') putsSentInAttack++
  client.send({ '#': id, put: { [config.soul]: { _: { '#': config.soul, '>': { [key]: Date.now() } }, [key]: n } } })
}

function probe() {
  if (!probesOn || healthInflightSince !== undefined) return
  const startedAt = now()
  const probePhase = phase
  healthInflightSince = startedAt
  const done = (ok) => {
    healthInflightSince = undefined
    if (probePhase !== 'attack') return
    if (ok) health.push(now() - startedAt)
    else healthFailures++
  }
  const request = httpGet(`${config.httpUrl}/healthz`, { agent, timeout: 120_000 }, (response) => {
    response.resume()
    response.once('end', () => done(response.statusCode === 200))
  })
  request.once('error', () => done(false))
  request.once('timeout', () => request.destroy())
}

function startLoops() {
  putsOn = true
  probesOn = true
  timers.push(setInterval(putOnce, config.putIntervalMs))
  timers.push(setInterval(probe, config.healthIntervalMs))
  timers.push(setInterval(sampleRss, config.rssIntervalMs))
}

function stopLoops() {
  putsOn = false
  probesOn = false
  for (const timer of timers.splice(0)) clearInterval(timer)
}

/** In-flight work counts at its age so far: a put never acked was at least that slow. */
function summary() {
  const t = now()
  const latencies = [...putLatency]
  let unacked = 0
  for (const sent of inflight.values()) {
    if (sent.phase !== 'attack') continue
    unacked++
    latencies.push(t - sent.sentAt)
  }
  const healthTimes = [...health]
  if (healthInflightSince !== undefined && phase !== 'baseline') healthTimes.push(t - healthInflightSince)
  const peak = rss.filter((s) => s.t >= attackStartedAt).reduce((max, s) => Math.max(max, s.rss), 0)
  return {
    rssBefore: recentBefore,
    rssPeak: peak || NaN,
    rssAfter: rssAfter ?? recentRss(1000),
    rssSamples: rss.length,
    puts: {
      sent: putsSentInAttack,
      acked: putLatency.length,
      unacked,
      errors: putErrors,
      interrupted,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? Math.max(...latencies) : NaN,
    },
    healthz: {
      probes: healthTimes.length,
      failures: healthFailures,
      p50: percentile(healthTimes, 50),
      worst: healthTimes.length ? Math.max(...healthTimes) : NaN,
    },
  }
}

let recentBefore = NaN

async function verify() {
  if (client === undefined || client.closed) await openClient()
  const keys = [...acked.keys()]
  let missing = 0
  const examples = []
  for (let i = 0; i < keys.length; i += 200) {
    const batch = keys.slice(i, i + 200)
    const results = await Promise.all(batch.map((key) => client.getKey(config.soul, key, 10_000)))
    results.forEach((result, j) => {
      if (result.found === true && result.value === acked.get(batch[j])) return
      missing++
      if (examples.length < 3) examples.push(`${batch[j]}: ${JSON.stringify(result)}`)
    })
  }
  return { acked: keys.length, missing, examples }
}

const commands = {
  async init(message) {
    config = message
    pid = message.pid
    sampleRss()
    await openClient()
    startLoops()
    return { rss: rss.at(-1)?.rss }
  },
  async phase({ name }) {
    if (name === 'attack') {
      recentBefore = recentRss(1000)
      attackStartedAt = now()
    }
    if (name === 'after') rssAfter = recentRss(1000)
    phase = name
    return { rss: rss.at(-1)?.rss }
  },
  async quiet() {
    putsOn = false
    return {}
  },
  async pause() {
    stopLoops()
    for (const [id, sent] of inflight) {
      inflight.delete(id)
      if (sent.phase === 'attack') interrupted++
    }
    client?.close()
    return {}
  },
  async resume(message) {
    pid = message.pid
    await openClient()
    startLoops()
    return {}
  },
  async rss() {
    sampleRss()
    return { rss: rss.at(-1)?.rss }
  },
  async verify() {
    putsOn = false
    return verify()
  },
  async summary() {
    const result = summary()
    stopLoops()
    client?.close()
    agent.destroy()
    return result
  },
}

process.on('message', async (message) => {
  const run = commands[message.cmd]
  try {
    if (run === undefined) throw new Error(`unknown command ${message.cmd}`)
    const result = await run(message)
    process.send({ id: message.id, result })
  } catch (error) {
    process.send({ id: message.id, error: error instanceof Error ? error.message : String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
