// Runs the jobs: each implementation in turn, alternating the order every
// run so neither side always goes first on a warm (or a busy) machine, each
// run in a fresh process. A failed run or check is recorded, never dropped.
import { removeDir, tempDir } from './disk.js'
import { loadImpl, supports } from './impls.js'
import { runInChild } from './proc.js'

export async function runJobs(jobs, opts, log) {
  const impls = new Map()
  const results = []
  for (const job of jobs) {
    const ids = job.impls.filter((id) => !opts.impls || opts.impls.includes(id))
    const perImpl = {}
    const active = []
    for (const id of ids) {
      if (!impls.has(id)) impls.set(id, await loadImpl(id))
      const impl = impls.get(id)
      const can = supports(impl, job.needs)
      if (job.skip?.[id]) perImpl[id] = blank('skipped', job.skip[id])
      else if (!can.ok) perImpl[id] = blank('pending', can.reason)
      else {
        perImpl[id] = blank('ok')
        active.push(id)
      }
    }
    log(
      `\n${job.title}${
        active.length < ids.length
          ? `  (${ids
              .filter((i) => !active.includes(i))
              .map((i) => `${i}: ${perImpl[i].status}`)
              .join(', ')})`
          : ''
      }`,
    )

    const dirs = {}
    try {
      for (const id of active) if (job.setup) await setUp(job, id, perImpl[id], dirs, log)
      for (let run = 0; run < opts.runs; run++) {
        const order = run % 2 === 0 ? active : [...active].reverse()
        for (const id of order) {
          const entry = perImpl[id]
          if (entry.status === 'failed' && entry.setupFailed) continue
          if (run >= (job.runsCap?.[id] ?? Infinity)) continue
          const params = { ...job.params, ...job.implParams?.[id], ...(dirs[id] ? { dir: dirs[id] } : {}) }
          const outcome = await runInChild(
            { module: job.module, fn: job.fn, impl: id, params, nodeArgs: job.nodeArgs, timeoutMs: job.timeoutMs },
            { verbose: opts.verbose },
          )
          record(entry, outcome, `run ${run + 1}`)
          log(`  ${id.padEnd(8)} run ${run + 1}/${Math.min(opts.runs, job.runsCap?.[id] ?? Infinity)}  ${describe(job, outcome)}`)
        }
      }
    } finally {
      for (const dir of Object.values(dirs)) removeDir(dir)
    }
    results.push({ job, perImpl })
  }
  return { results, impls: [...impls.values()] }
}

/** The job's setup (filling a store) runs once per implementation; its metrics are single samples. */
async function setUp(job, id, entry, dirs, log) {
  dirs[id] = tempDir(`${id}-${job.id}`)
  const outcome = await runInChild({
    module: job.module,
    fn: job.setup.fn,
    impl: id,
    params: { ...job.setup.params, dir: dirs[id] },
    nodeArgs: job.nodeArgs,
    timeoutMs: job.timeoutMs,
  })
  record(entry, outcome, 'setup')
  if (!outcome.ok) entry.setupFailed = true
  log(`  ${id.padEnd(8)} setup       ${describe(job, outcome)}`)
}

function blank(status, reason) {
  return { status, reason, samples: {}, checks: [], errors: [], notes: [] }
}

function record(entry, outcome, when) {
  if (!outcome.ok) {
    entry.status = 'failed'
    entry.errors.push(`${when}: ${outcome.error}`)
    return
  }
  const { metrics = {}, checks = [], notes = [] } = outcome.result
  for (const note of notes) entry.notes.push(`${when}: ${note}`)
  for (const [key, value] of Object.entries(metrics)) (entry.samples[key] ??= []).push(value)
  for (const c of checks) entry.checks.push({ ...c, when })
}

function describe(_job, outcome) {
  if (!outcome.ok) return `FAILED: ${outcome.error}`
  const { metrics = {}, checks = [] } = outcome.result
  const shown = Object.entries(metrics)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join('  ')
  const bad = checks.filter((c) => !c.ok)
  return `${shown}${bad.length ? `  CHECK FAILED: ${bad.map((c) => `${c.name} (${c.detail})`).join('; ')}` : ''}`
}

export function formatNumber(v) {
  if (!Number.isFinite(v)) return String(v)
  const abs = Math.abs(v)
  if (abs >= 1e9) return `${(v / 1e9).toFixed(2)}G`
  if (abs >= 1e6) return `${(v / 1e6).toFixed(2)}M`
  if (abs >= 1e4) return `${(v / 1e3).toFixed(1)}k`
  if (abs >= 100) return v.toFixed(0)
  if (abs >= 10) return v.toFixed(1)
  return v.toFixed(2)
}
