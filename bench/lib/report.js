// Turns raw per-run samples into the rows of the table: median, min and max
// per implementation, the ratio Trellis/Gun, the share of the ceiling, and
// whether each target is met. Also gathers every failed check and run.
import { summarize } from './stats.js'

const CEILINGS = ['ws', 'lmdb']

export function buildRows(results) {
  const rows = []
  for (const { job, perImpl } of results) {
    for (const metric of job.metrics) {
      const values = {}
      for (const [id, entry] of Object.entries(perImpl)) {
        const summary = entry.samples[metric.key] ? summarize(entry.samples[metric.key]) : undefined
        values[id] = summary
          ? { ...summary, status: entry.status, checkFailed: entry.checks.some((c) => !c.ok) }
          : { status: entry.status === 'ok' ? 'failed' : entry.status, reason: entry.reason ?? entry.errors[0] }
      }
      const t = values.trellis?.median
      const g = values.gun?.median
      const ceilingId = job.impls.find((id) => CEILINGS.includes(id))
      const c = ceilingId ? values[ceilingId]?.median : undefined
      const ratio = t !== undefined && g !== undefined && g !== 0 ? t / g : undefined
      const gunTarget = metric.target?.gun
      const ratioTarget = gunTarget === undefined ? undefined : metric.better === 'higher' ? gunTarget : 1 / gunTarget
      const ceilingShare = t !== undefined && c !== undefined ? (metric.better === 'higher' ? t / c : c / t) : undefined
      rows.push({
        job: job.id,
        group: job.group,
        key: metric.key,
        label: metric.label,
        unit: metric.unit,
        better: metric.better,
        values,
        ratio,
        ratioTarget,
        ratioMet: ratio === undefined || ratioTarget === undefined ? undefined : metric.better === 'higher' ? ratio >= ratioTarget : ratio <= ratioTarget,
        ceiling: ceilingId,
        ceilingShare,
        ceilingTarget: metric.target?.ceiling,
        ceilingMet: ceilingShare === undefined || metric.target?.ceiling === undefined ? undefined : ceilingShare >= metric.target.ceiling,
      })
    }
  }
  return rows
}

/**
 * Every failed run or check. Failures of Trellis or of a ceiling are the
 * harness's or the product's and fail the command; stock Gun's are known
 * defects of the reference (such as partial reads from RAD) and are reported
 * just as loudly but do not change the exit status.
 */
export function collectFailures(results) {
  const failures = []
  for (const { job, perImpl } of results) {
    for (const [id, entry] of Object.entries(perImpl)) {
      const blocking = id !== 'gun'
      for (const error of entry.errors) failures.push({ job: job.id, impl: id, what: 'run', detail: error, blocking })
      for (const c of entry.checks) if (!c.ok) failures.push({ job: job.id, impl: id, what: c.name, detail: `${c.when}: ${c.detail}`, blocking })
    }
  }
  return failures
}

/** Figures an implementation could not produce yet (a Trellis entry point not built), or chose not to. */
export function collectPending(results) {
  const out = []
  for (const { job, perImpl } of results)
    for (const [id, entry] of Object.entries(perImpl))
      if (entry.status === 'pending' || entry.status === 'skipped') out.push({ job: job.id, impl: id, status: entry.status, reason: entry.reason })
  return out
}

/** Per job and implementation: every check, with how many runs passed it. */
export function checkSummary(results) {
  const out = []
  for (const { job, perImpl } of results) {
    for (const [id, entry] of Object.entries(perImpl)) {
      const byName = new Map()
      for (const c of entry.checks) {
        const s = byName.get(c.name) ?? { name: c.name, passed: 0, total: 0, failedDetail: [] }
        s.total++
        if (c.ok) s.passed++
        else s.failedDetail.push(`${c.when}: ${c.detail}`)
        byName.set(c.name, s)
      }
      out.push({ job: job.id, impl: id, status: entry.status, reason: entry.reason, errors: entry.errors, checks: [...byName.values()] })
    }
  }
  return out
}

/** Remarks a scenario attached to its result, such as a read-back cut short by its time budget. */
export function collectNotes(results) {
  const out = []
  for (const { job, perImpl } of results)
    for (const [id, entry] of Object.entries(perImpl)) for (const note of entry.notes) out.push({ job: job.id, impl: id, note })
  return out
}
