import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'

// Proves the benchmark harness works and its correctness checks hold, by
// running `bench/run.js --quick --json` as `npm run bench -- --quick` would.
// It never asserts a time: only that every scenario ran and checked out.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const run = promisify(execFile)

/** Trellis scenarios allowed to be "not available" for now; empty means every one must run. Tighten, never loosen. */
const PENDING_TRELLIS: string[] = []

/** Stock Gun checks that fail because of Gun's own defects (see gun-behaviours-and-complaints.md). */
const KNOWN_GUN_DEFECTS: { job: RegExp; check: string; why: string }[] = [
  { job: /^durable-cold-/, check: 'records read back intact', why: 'RAD read-back returns partial or missing nodes' },
]

interface Check {
  name: string
  ok: boolean
  detail: string
  when: string
}
interface ImplResult {
  status: 'ok' | 'failed' | 'pending' | 'skipped'
  reason?: string
  checks: Check[]
  errors: string[]
  samples: Record<string, number[]>
}
interface Report {
  ok: boolean
  quick: boolean
  scenarios: { id: string; impls: Record<string, ImplResult> }[]
  rows: { job: string; key: string; values: Record<string, { median?: number; status: string }> }[]
}

let report: Report

beforeAll(async () => {
  if (!existsSync(`${ROOT}dist/gun.node.js`) && !existsSync(`${ROOT}dist/gun.js`)) {
    await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT })
  }
  const { stdout } = await run(process.execPath, ['bench/run.js', '--quick', '--json'], { cwd: ROOT, maxBuffer: 64 * 2 ** 20, timeout: 170_000 })
  report = JSON.parse(stdout) as Report
}, 180_000)

describe('npm run bench -- --quick', () => {
  it('runs every scenario of the catalogue', async () => {
    const { catalogue } = await import('../../bench/scenarios/index.js')
    const expected = catalogue({ quick: true, gun1m: false })
    expect(report.quick).toBe(true)
    expect(report.scenarios.map((s) => s.id)).toEqual(expected.map((j) => j.id))
    for (const job of expected) expect(Object.keys(report.scenarios.find((s) => s.id === job.id)!.impls).sort()).toEqual([...job.impls].sort())
  })

  it('runs stock Gun and the ceilings in every scenario, without a failed run', () => {
    for (const s of report.scenarios)
      for (const [impl, r] of Object.entries(s.impls)) {
        if (impl === 'trellis') continue
        expect(r.errors, `${s.id} / ${impl}`).toEqual([])
        expect(r.status, `${s.id} / ${impl}`).toBe('ok')
      }
  })

  it('runs every Trellis scenario that exists, and each one passes every check', () => {
    for (const s of report.scenarios) {
      const r = s.impls.trellis
      if (!r) continue
      if (r.status === 'pending') {
        expect(PENDING_TRELLIS, `${s.id} is not available for Trellis: ${r.reason}`).toContain(s.id)
        continue
      }
      expect(r.errors, s.id).toEqual([])
      expect(r.checks.length, s.id).toBeGreaterThan(0)
      for (const c of r.checks) expect(c.ok, `${s.id}: ${c.name} (${c.when}: ${c.detail})`).toBe(true)
    }
    expect(report.ok).toBe(true)
  })

  it('passes every check for the ceilings, and for stock Gun apart from its known defects', () => {
    for (const s of report.scenarios)
      for (const [impl, r] of Object.entries(s.impls)) {
        if (impl === 'trellis') continue
        expect(r.checks.length, `${s.id} / ${impl}`).toBeGreaterThan(0)
        for (const c of r.checks) {
          const known = impl === 'gun' && KNOWN_GUN_DEFECTS.some((d) => d.job.test(s.id) && d.check === c.name)
          if (!known) expect(c.ok, `${s.id} / ${impl}: ${c.name} (${c.when}: ${c.detail})`).toBe(true)
        }
      }
  })

  it('reports a finite figure for every row of every implementation that ran', () => {
    for (const row of report.rows)
      for (const [impl, v] of Object.entries(row.values)) if (v.status === 'ok') expect(Number.isFinite(v.median), `${row.job} ${row.key} / ${impl}`).toBe(true)
  })

  for (const id of PENDING_TRELLIS) it.todo(`Trellis: ${id}`)
})
