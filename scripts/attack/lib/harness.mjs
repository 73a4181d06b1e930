// Runs one attack module against a fresh relay process and measures it:
//   start relay → setup → observer (good client, /healthz, RSS) → baseline →
//   attack (own time budget) → attacker leaves → settle → after-checks →
//   forced GC (the relay's inspector, loopback) and RSS again → read back the
//   good client's acknowledged writes → stop and clean up.
//
// An attack module (attacks/*.mjs) default-exports:
//   id, finding, title, what       names and the one-line description for the table
//   budgetMs                       setup + run must finish within it (the settle pause is extra)
//   boundBytes, boundText          RSS growth the hardened relay should stay within (plus RSS_SLACK)
//   flags(want)?                   want('max-x-bytes', '32mb') passes the flag if `serve --help` lists it
//   setup(ctx)?                    unmeasured preparation (e.g. write a large node)
//   run(ctx)                       the attack; may return { promise: { held, text } }
//   after(ctx, outcome)?           checks after the settle pause; may return { promise }
//   settleMs?, quietAfter?         settle pause length; stop the good client's puts during it
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { removeDir, trackDir } from './cleanup.mjs'
import { readMetrics, timedGet } from './http.mjs'
import { startObserver } from './observer.mjs'
import { freePort, startRelay } from './relay.mjs'
import { MB } from './stats.mjs'
import { connectWire, openRawSocket } from './wire.mjs'

const BASELINE_MS = 1500
const DEFAULT_SETTLE_MS = 3000
/** RSS growth allowed on top of an attack's configured bound: transient buffers, GC slack, heap fragmentation. */
export const RSS_SLACK = 64 * MB
export const P99_TARGET_MS = 50
/** The attack phase lasts at least this long, so the good client's figures always cover some puts (an attack answered at once would have none). */
const MIN_ATTACK_MS = 2000

class Deadline extends Error {}

/**
 * Choose relay flags for an attack. `want(flag, value)` passes `--flag value`
 * only when `trellis serve --help` lists the flag; otherwise notes that the
 * bound is not configurable (yet) and the default applies.
 */
function flagPicker(supported) {
  const applied = []
  const missing = []
  const args = []
  const want = (flag, value) => {
    if (supported.has(flag)) {
      args.push(`--${flag}`, value)
      applied.push(`--${flag} ${value}`)
      return true
    }
    missing.push(`--${flag}`)
    return false
  }
  return { want, args, applied, missing }
}

export async function runAttack(attack, { supported, log }) {
  const startedAt = Date.now()
  const deadline = startedAt + attack.budgetMs
  const abort = new AbortController()
  const row = { attack, notes: [], promise: { held: null, text: '—' } }
  const dataDir = trackDir(mkdtempSync(join(tmpdir(), `trellis-attack-${attack.id}-`)))
  const picker = flagPicker(supported)
  attack.flags?.(picker.want)
  row.flagsApplied = picker.applied
  row.flagsMissing = picker.missing
  const attackers = new Set()
  let relay
  let observer
  let port = await freePort()

  const remaining = () => deadline - Date.now()
  const sleep = (ms) =>
    new Promise((resolve, reject) => {
      if (abort.signal.aborted) return reject(new Deadline('deadline'))
      const onAbort = () => (clearTimeout(timer), reject(new Deadline('deadline')))
      // The listener goes when the sleep ends, so polling loops do not pile them up on the signal.
      const timer = setTimeout(() => (abort.signal.removeEventListener('abort', onAbort), resolve()), Math.max(0, Math.min(ms, remaining())))
      abort.signal.addEventListener('abort', onAbort, { once: true })
    })
  const closeAttackers = () => {
    for (const c of attackers) c.close()
    attackers.clear()
  }
  const ctx = {
    get relay() {
      return relay
    },
    dataDir,
    signal: abort.signal,
    remaining,
    sleep,
    note: (text) => row.notes.push(text),
    log,
    /** A wire client owned by the attack: closed when the attacker leaves. */
    async connect(options) {
      const client = await connectWire(relay.wsUrl, options)
      attackers.add(client)
      return client
    },
    async raw() {
      const socket = await openRawSocket('127.0.0.1', relay.port)
      attackers.add(socket)
      return socket
    },
    closeAttackers,
    http: (path, options) => timedGet(`${relay.httpUrl}${path}`, options),
    metrics: () => readMetrics(relay.httpUrl),
    rss: () => observer.rss().then((r) => r.rss),
    /** The relay's process.memoryUsage() now, without a GC (undefined if unavailable). */
    memory: () => relay.memory().catch(() => undefined),
    /** Stop the relay with `signal` and start it again on the same port and data directory. */
    async restart(signal = 'SIGKILL') {
      await observer?.pause()
      const exit = await relay.stop(signal)
      relay = await startRelay({ port, dataDir, flags: picker.args })
      await observer?.resume(relay.pid)
      return exit
    },
    /** Wait until `check()` is true, polling; false at the timeout or the attack's deadline. */
    async until(check, timeoutMs = 10_000, everyMs = 20) {
      const end = Math.min(Date.now() + timeoutMs, deadline)
      while (!(await check())) {
        if (Date.now() >= end) return false
        await sleep(everyMs)
      }
      return true
    },
  }

  const guard = (promise) => {
    promise.catch(() => {})
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        const left = remaining()
        const timer = setTimeout(
          () => {
            abort.abort()
            reject(new Deadline(`attack budget of ${Math.round(attack.budgetMs / 1000)} s exhausted`))
          },
          Math.max(0, left),
        )
        promise.finally(() => clearTimeout(timer)).catch(() => {})
      }),
    ])
  }

  try {
    // The port was free a moment ago; on a shared machine another process may take it first: pick another.
    for (let attempt = 1; ; attempt++) {
      try {
        relay = await startRelay({ port, dataDir, flags: picker.args })
        break
      } catch (error) {
        if (attempt >= 3 || !String(error?.message).includes('EADDRINUSE')) throw error
        row.notes.push(`port ${port} was taken before the relay listened; retried on another`)
        port = await freePort()
      }
    }
    row.relayArgs = relay.args
    if (attack.setup !== undefined) await guard(attack.setup(ctx))
    observer = await startObserver({ relay, soul: `good/${attack.id}` })
    await sleep(BASELINE_MS)
    await observer.phase('attack')
    let outcome
    const attackStartedAt = Date.now()
    try {
      outcome = await guard(attack.run(ctx))
      await sleep(MIN_ATTACK_MS - (Date.now() - attackStartedAt))
    } catch (error) {
      if (!(error instanceof Deadline)) throw error
      row.timedOut = error.message
      outcome = attack.partial?.(ctx) ?? {}
    }
    closeAttackers()
    if (outcome?.promise !== undefined) row.promise = outcome.promise
    await observer.phase('settle')
    if (attack.quietAfter === true) await observer.quiet()
    const settleMs = attack.settleMs ?? DEFAULT_SETTLE_MS
    // The settle pause is not part of the attack's budget: it is how long we wait for memory to come back.
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    await observer.phase('after')
    if (attack.after !== undefined && relay.alive) {
      const checked = await Promise.race([attack.after(ctx, outcome ?? {}), new Promise((r) => setTimeout(() => r(undefined), 20_000))])
      if (checked?.promise !== undefined) row.promise = checked.promise
    }
    if (relay.alive) {
      // Garbage V8 has not collected yet is not memory the relay holds: force a full GC, then read RSS again.
      try {
        row.memoryAfterGc = await relay.collect()
        await new Promise((resolve) => setTimeout(resolve, 300))
        row.rssAfterGc = await observer.rss().then((r) => r.rss)
      } catch (error) {
        row.notes.push(`forced GC failed: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    row.measured = await observer.summary()
    if (relay.alive) {
      // Read back every write the good client saw acknowledged (a restart, if any, happened in between).
      row.goodWrites = await observer.verify().catch((error) => ({ error: error.message }))
    } else {
      row.relayDied = `relay process died: ${relay.output().slice(-300)}`
    }
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error)
  } finally {
    abort.abort()
    closeAttackers()
    if (observer !== undefined && row.measured === undefined) row.measured = await observer.summary().catch(() => undefined)
    observer?.kill()
    if (relay !== undefined) {
      if (!relay.alive && row.relayDied === undefined && row.error === undefined) row.relayDied = `relay process died: ${relay.output().slice(-300)}`
      await relay.stop('SIGKILL')
    }
    removeDir(dataDir)
  }
  row.seconds = (Date.now() - startedAt) / 1000
  row.verdict = judge(row)
  return row
}

/** PASS only if memory stayed within the attack's bound, the good client's p99 met the target and the promise held. */
function judge(row) {
  const failures = []
  if (row.error !== undefined) return { pass: false, text: `ERROR: ${row.error.slice(0, 120)}` }
  const m = row.measured
  if (m === undefined) return { pass: false, text: 'no measurement' }
  const allowed = row.attack.boundBytes + RSS_SLACK
  if (m.rssPeak - m.rssBefore > allowed) failures.push('RSS peak')
  // After: the RSS once a full GC ran (what the relay still holds), or the settle figure when no GC could be forced.
  if ((row.rssAfterGc ?? m.rssAfter) - m.rssBefore > allowed) failures.push('RSS after')
  // NaN crosses the observer's IPC as null, and null < 50 is true in JavaScript: test the type too.
  if (!(typeof m.puts.p99 === 'number' && m.puts.p99 < P99_TARGET_MS)) failures.push(m.puts.sent > 0 ? 'p99' : 'no good puts measured')
  if (row.promise.held === false) failures.push('promise')
  if (row.relayDied !== undefined) failures.push('relay died')
  if (row.goodWrites?.missing > 0) failures.push('good writes lost')
  if (row.timedOut !== undefined) failures.push('timed out: incomplete')
  return failures.length === 0 ? { pass: true, text: 'PASS' } : { pass: false, text: `FAIL (${failures.join(', ')})` }
}
