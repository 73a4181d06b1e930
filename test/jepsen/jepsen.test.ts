import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { pickSeed } from '../../src/testing/prng.js'
import { jepsenRun, type RunResult } from './run.js'

/**
 * Jepsen-style: 3 relay processes (dist/) peered through TCP proxies the test
 * cuts and heals, 3 clients writing unique keys, relays SIGKILLed and
 * restarted on the same port and data directory at seeded moments; then
 * everything is healed and each relay's data directory is read back.
 *
 *   npx vitest run test/jepsen                       2 short runs (a part of `npm test`)
 *   TRELLIS_JEPSEN_RUNS=500 npm run test:jepsen:long  500 runs
 *   TRELLIS_SEED=<seed> npx vitest run test/jepsen   replay one run's schedule (faults and writes)
 *   TRELLIS_JEPSEN_MS=<ms>                           how long each run writes and injects faults (default 2500)
 *   TRELLIS_JEPSEN_READERS=1                         clients also subscribe to every soul they write
 *   TRELLIS_JEPSEN_FAULTS=0                          no faults (a baseline)
 *   TRELLIS_JEPSEN_FAULT_KINDS=kill,heal-all         only these kinds of fault (partition, heal, isolate, cut-client, heal-client, kill, heal-all)
 *
 * The checker asserts that every write is answered (acked or refused) once
 * everything is healed, that every acknowledged write reaches every relay's
 * disk with its value, and that the relays end identical (relays catch each
 * other up through their change feeds, src/mesh/catch-up.ts). With
 * TRELLIS_JEPSEN_CHECK=durable it only asserts that no acknowledged write is
 * lost (each on some relay's disk), for runs of relays without catch-up.
 */

const built = fileURLToPath(new URL('../../dist/server/index.js', import.meta.url))
const runs = Number(process.env.TRELLIS_JEPSEN_RUNS ?? 2)
const durationMs = Number(process.env.TRELLIS_JEPSEN_MS ?? 2500)
const strict = process.env.TRELLIS_JEPSEN_CHECK !== 'durable'
const kinds = process.env.TRELLIS_JEPSEN_FAULT_KINDS ? process.env.TRELLIS_JEPSEN_FAULT_KINDS.split(',') : undefined
const firstSeed = pickSeed()
console.log(
  `jepsen: ${runs} run(s) from seed ${firstSeed} (run k uses seed ${firstSeed}+k; replay one with TRELLIS_SEED=<seed> TRELLIS_JEPSEN_RUNS=1), check: ${strict ? 'everywhere' : 'durable'}`,
)

/** The switches of this run, for the replay line. */
const switches = [
  'TRELLIS_JEPSEN_MS',
  'TRELLIS_JEPSEN_FAULTS',
  'TRELLIS_JEPSEN_FAULT_KINDS',
  'TRELLIS_JEPSEN_READERS',
  'TRELLIS_JEPSEN_CHECK',
  'TRELLIS_JEPSEN_RELAY_OPTIONS',
]
  .filter((name) => process.env[name] !== undefined && process.env[name] !== '')
  .map((name) => `${name}=${JSON.stringify(process.env[name])}`)
  .join(' ')

function report(result: RunResult): string {
  return [
    `jepsen run FAILED: seed ${result.seed} (replay: TRELLIS_SEED=${result.seed} TRELLIS_JEPSEN_RUNS=1 ${switches} npx vitest run test/jepsen/jepsen.test.ts)`,
    ...result.problems.map((p) => `  ${p}`),
    `  ${result.writes} writes, ${result.acked} acknowledged, ${result.faults} faults (${result.kills} SIGKILLs); missing per relay disk: ${result.missingPerRelay.join('/')}`,
    'history:',
    ...result.history.map((h) => `  ${h}`),
  ].join('\n')
}

describe('Jepsen-style: relays under partitions and SIGKILL, real processes and disks', () => {
  it(
    `every acknowledged write survives ${runs} run(s) of faults${strict ? ', on every relay, replicas identical' : ''}`,
    async () => {
      if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before the Jepsen test')
      const summaries: string[] = []
      let failures = 0
      const total = { acked: 0, writes: 0, faults: 0, kills: 0, runs: 0 }
      for (let k = 0; k < runs; k++) {
        const seed = (firstSeed + k) >>> 0
        let result: RunResult
        try {
          result = await jepsenRun({
            seed,
            durationMs,
            check: strict ? 'everywhere' : 'durable',
            settleMs: strict ? 20_000 : 30_000,
            faults: process.env.TRELLIS_JEPSEN_FAULTS !== '0',
            faultKinds: kinds,
            readers: process.env.TRELLIS_JEPSEN_READERS === '1',
          })
        } catch (error) {
          // The run itself broke (a relay that would not start, ...): a failed run, with its seed.
          const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
          const history = (error as { history?: string[] }).history ?? []
          result = {
            seed,
            ok: false,
            problems: [`the run threw: ${message}`],
            history,
            writes: 0,
            acked: 0,
            faults: 0,
            kills: 0,
            missingPerRelay: [],
            elapsedMs: 0,
          }
        }
        total.runs++
        total.acked += result.acked
        total.writes += result.writes
        total.faults += result.faults
        total.kills += result.kills
        summaries.push(
          `seed ${seed}: ${result.acked}/${result.writes} acked, ${result.faults} faults, ${result.kills} kills, missing per relay ${result.missingPerRelay.join('/')}` +
            `${result.convergedAfterMs !== undefined ? `, converged ${result.convergedAfterMs} ms after heal` : ''}, ${result.elapsedMs} ms`,
        )
        if (!result.ok) {
          failures++
          console.error(report(result))
          // Long mode goes on to count how many runs fail; one failure is enough to fail the test.
          if (runs <= 3) break
        }
        if (runs > 3 && (k + 1) % 10 === 0) console.log(`jepsen: ${k + 1}/${runs} runs, ${failures} failed`)
      }
      console.log(
        `jepsen summary: ${total.runs} runs, ${failures} failed; ${total.acked}/${total.writes} writes acknowledged, ${total.faults} faults, ${total.kills} SIGKILLs\n  ${summaries.slice(-10).join('\n  ')}`,
      )
      expect(failures, `${failures} of ${runs} runs failed (seeds and histories printed above)`).toBe(0)
    },
    Math.max(120_000, runs * (durationMs + 45_000)),
  )
})
