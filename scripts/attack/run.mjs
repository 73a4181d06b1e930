#!/usr/bin/env node
// `npm run attack`: attack a real relay process with each finding of issue 11
// and measure what a well-behaved client sees. See docs/attack-results.md.
//
//   npm run attack                       all attacks (a few minutes), writes docs/attack-results.md
//   npm run attack -- --only deferral-bytes,long-id
//   npm run attack -- --list             list the attacks
//   npm run attack -- --out /tmp/a.md    write the report elsewhere
//   npm run attack -- --strict           exit 1 when any attack fails its target
//   npm run attack -- --budget-scale 2   give every attack twice its time budget (a slow machine)
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { attacks } from './attacks/index.mjs'
import { cleanupAll, installExitHooks } from './lib/cleanup.mjs'
import { runAttack } from './lib/harness.mjs'
import { CLI, supportedServeFlags } from './lib/relay.mjs'
import { document, loadNow, table } from './lib/report.mjs'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The whole run stops starting new attacks past this (each attack also has its own budget). */
const RUN_CAP_MS = 10 * 60_000

function parseArgs(argv) {
  const options = { only: undefined, out: resolve(ROOT, 'docs/attack-results.md'), list: false, strict: false, budgetScale: 1 }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--only') options.only = argv[++i]?.split(',').map((s) => s.trim())
    else if (arg === '--out') options.out = resolve(argv[++i])
    else if (arg === '--list') options.list = true
    else if (arg === '--strict') options.strict = true
    else if (arg === '--budget-scale') options.budgetScale = Number(argv[++i])
    else throw new Error(`unknown option ${arg}`)
  }
  return options
}

async function main() {
  const options = parseArgs(process.argv.slice(2))
  if (options.list) {
    for (const a of attacks) process.stdout.write(`${a.id.padEnd(24)} #${String(a.finding).padEnd(5)} ${a.title}\n`)
    return 0
  }
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`)
  installExitHooks()
  if (!(options.budgetScale > 0)) throw new Error('--budget-scale takes a positive number')
  const chosen = (options.only === undefined ? attacks : attacks.filter((a) => options.only.includes(a.id))).map((a) => ({
    ...a,
    budgetMs: a.budgetMs * options.budgetScale,
  }))
  if (chosen.length === 0) throw new Error(`no attack matches ${options.only}; see --list`)
  const supported = supportedServeFlags()
  const startedAt = Date.now()
  const loadBefore = loadNow()
  const log = (text) => process.stderr.write(`${text}\n`)
  const rows = []
  for (const attack of chosen) {
    if (Date.now() - startedAt > RUN_CAP_MS) {
      log(`attack: run cap of ${RUN_CAP_MS / 60_000} min reached, skipping ${attack.id}`)
      continue
    }
    log(`attack: ${attack.id} (finding ${attack.finding}, budget ${Math.round(attack.budgetMs / 1000)} s) …`)
    const row = await runAttack(attack, { supported, log })
    log(`  ${row.verdict.text} in ${row.seconds.toFixed(1)} s`)
    rows.push(row)
  }
  const seconds = (Date.now() - startedAt) / 1000
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    if (execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '') commit += ' + uncommitted src changes'
  } catch {
    // reason: not a git checkout; the report says unknown
  }
  const markdown = document(rows, { startedAt, seconds, commit, loadBefore })
  process.stdout.write(`\n${table(rows)}\n\n`)
  mkdirSync(dirname(options.out), { recursive: true })
  writeFileSync(options.out, markdown)
  log(`attack: ${rows.length} attacks in ${Math.round(seconds)} s; report written to ${options.out}`)
  const failed = rows.filter((r) => !r.verdict.pass).length
  const broken = rows.filter((r) => r.error !== undefined).length
  if (broken > 0) return 1
  return options.strict && failed > 0 ? 1 : 0
}

main().then(
  (code) => {
    cleanupAll()
    process.exit(code)
  },
  (error) => {
    process.stderr.write(`attack: ${error instanceof Error ? error.stack : String(error)}\n`)
    cleanupAll()
    process.exit(2)
  },
)
