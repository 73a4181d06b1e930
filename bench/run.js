#!/usr/bin/env node
// `npm run bench`: Trellis and stock Gun side by side, plus the ceilings.
// See BENCHMARKS.md (written by a full run) for the method.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from './lib/args.js'
import { machineInfo } from './lib/machine.js'
import { mergeReport, renderMarkdown } from './lib/markdown.js'
import { buildRows, checkSummary, collectFailures, collectNotes, collectPending } from './lib/report.js'
import { runJobs } from './lib/runner.js'
import { printTable } from './lib/terminal.js'
import { catalogue, select } from './scenarios/index.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.help) {
    process.stdout.write(`${opts.help}\n`)
    return 0
  }
  // With --json, stdout carries only the JSON document.
  const say = (text) => (opts.json ? process.stderr : process.stdout).write(text)
  const log = (line) => process.stderr.write(`${line}\n`)

  const jobs = select(catalogue(opts), opts.scenarios)
  const startedAt = new Date()
  const machine = machineInfo()
  log(
    `trellis bench: ${opts.quick ? 'quick, ' : ''}${jobs.length} scenarios, ${opts.runs} run(s) each; ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  )

  const { results, impls } = await runJobs(jobs, opts, log)
  const machineAfter = machineInfo()
  const rows = buildRows(results)
  const failures = collectFailures(results)
  const pending = collectPending(results)
  const checks = checkSummary(results)
  const notes = collectNotes(results)
  const ok = !failures.some((f) => f.blocking)

  printTable(rows, failures, pending, notes, say)

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  const markdown = renderMarkdown({
    rows,
    checks,
    failures,
    pending,
    notes,
    machine,
    machineAfter,
    impls,
    opts,
    command,
    startedAt,
    elapsedMs: Date.now() - startedAt.getTime(),
  })
  // Only a full run of every scenario and implementation may replace the committed report.
  const complete = !opts.quick && opts.scenarios.length === 0 && !opts.impls
  const out = opts.out ?? (complete ? join(ROOT, 'BENCHMARKS.md') : join(tmpdir(), `trellis-bench${opts.quick ? '-quick' : ''}.md`))
  writeFileSync(out, mergeReport(existsSync(out) ? readFileSync(out, 'utf8') : '', markdown))
  log(`\nreport written to ${out}`)

  if (opts.json) {
    const packages = impls.map((i) => ({ id: i.id, label: i.label, version: i.version, available: i.available, reason: i.reason }))
    const scenarios = results.map(({ job, perImpl }) => ({ id: job.id, group: job.group, title: job.title, params: job.params, impls: perImpl }))
    process.stdout.write(
      `${JSON.stringify({ ok, quick: opts.quick, runs: opts.runs, startedAt, elapsedMs: Date.now() - startedAt.getTime(), machine, machineAfter, packages, scenarios, rows, failures, pending, notes, report: out }, null, 2)}\n`,
    )
  }
  return ok ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 2
  },
)
