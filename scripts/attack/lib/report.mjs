// The results table (markdown), printed and written to docs/attack-results.md.
import { cpus, loadavg, totalmem } from 'node:os'
import { formatMb, formatMs, MB } from './stats.mjs'
import { P99_TARGET_MS, RSS_SLACK } from './harness.mjs'

const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ')

function growth(m, afterGc) {
  if (m === undefined) return ['—', '—', '—']
  const delta = (v) => (Number.isFinite(v) && Number.isFinite(m.rssBefore) ? ` (${v - m.rssBefore >= 0 ? '+' : ''}${Math.round((v - m.rssBefore) / MB)})` : '')
  const after = `${formatMb(m.rssAfter)}${delta(m.rssAfter)}${Number.isFinite(afterGc) ? `; after GC ${formatMb(afterGc)}${delta(afterGc)}` : ''}`
  return [formatMb(m.rssBefore), `${formatMb(m.rssPeak)}${delta(m.rssPeak)}`, after]
}

export function table(rows) {
  const lines = [
    '| # | attack | what it does | RSS before | RSS peak (Δ MB) | RSS after settle; after a forced GC (Δ MB) | bound (+64 MB slack) | good put-ack p50 / p99 / max | healthz worst | promise | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const row of rows) {
    const a = row.attack
    const m = row.measured
    const [before, peak, after] = growth(m, row.rssAfterGc)
    const puts =
      m === undefined
        ? '—'
        : `${formatMs(m.puts.p50)} / ${formatMs(m.puts.p99)} / ${formatMs(m.puts.max)}${m.puts.unacked > 0 ? ` (${m.puts.unacked} unacked)` : ''}`
    const health = m === undefined ? '—' : `${formatMs(m.healthz.worst)}${m.healthz.failures > 0 ? ` (${m.healthz.failures} failed)` : ''}`
    const promise = row.promise.held === null ? row.promise.text : `${row.promise.held ? 'held' : '**broken**'}: ${row.promise.text}`
    const verdict = row.verdict.pass ? 'PASS' : `**${row.verdict.text}**`
    const bound = row.flagsMissing?.length > 0 ? `${a.boundText} — not offered by this build: ${row.flagsMissing.join(', ')} (defaults apply)` : a.boundText
    lines.push(
      `| ${a.finding} | ${cell(a.title)} | ${cell(a.what)} | ${before} | ${peak} | ${after} | ${cell(bound)} | ${puts} | ${health} | ${cell(promise)} | ${cell(verdict)} |`,
    )
  }
  return lines.join('\n')
}

function details(rows) {
  const out = []
  for (const row of rows) {
    const a = row.attack
    const m = row.measured
    out.push(`- **${a.id}** (${row.seconds.toFixed(0)} s): relay \`serve ${row.relayArgs?.map((x) => (x.startsWith('/') ? '<tmp>' : x)).join(' ') ?? '?'}\``)
    if (row.flagsApplied.length > 0) out.push(`  - bound flags passed: ${row.flagsApplied.join(', ')}`)
    if (row.flagsMissing.length > 0) out.push(`  - bound flags not offered by this build (defaults apply): ${row.flagsMissing.join(', ')}`)
    if (m !== undefined) {
      out.push(
        `  - good client: ${m.puts.sent} puts during the attack, ${m.puts.acked} acked, ${m.puts.errors} errors, ${m.puts.unacked} unacked at the end${m.puts.interrupted > 0 ? `, ${m.puts.interrupted} cut by the restart` : ''}; /healthz ${m.healthz.probes} probes, p50 ${formatMs(m.healthz.p50)}, ${m.healthz.failures} failed`,
      )
    }
    if (row.memoryAfterGc !== undefined) {
      const u = row.memoryAfterGc
      out.push(
        `  - after a forced GC: RSS ${formatMb(row.rssAfterGc)}, JS heap used ${formatMb(u.heapUsed)} of ${formatMb(u.heapTotal)}, external ${formatMb(u.external)} (array buffers ${formatMb(u.arrayBuffers)})`,
      )
    }
    if (row.goodWrites !== undefined) {
      out.push(
        row.goodWrites.error !== undefined
          ? `  - read-back of good writes failed: ${row.goodWrites.error}`
          : `  - good client's acknowledged writes read back: ${row.goodWrites.acked - row.goodWrites.missing}/${row.goodWrites.acked}${row.goodWrites.examples.length > 0 ? ` (missing e.g. ${row.goodWrites.examples.join('; ')})` : ''}`,
      )
    }
    for (const note of row.notes) out.push(`  - ${note}`)
    if (row.timedOut !== undefined) out.push(`  - stopped early: ${row.timedOut}`)
    if (row.relayDied !== undefined) out.push(`  - ${row.relayDied}`)
    if (row.error !== undefined) out.push(`  - error: ${row.error}`)
  }
  return out.join('\n')
}

export function document(rows, { startedAt, seconds, commit, loadBefore }) {
  const cpu = cpus()
  return `# Attack results

Produced by \`npm run attack\` (scripts/attack/) on ${new Date(startedAt).toISOString()}, commit \`${commit}\`,
in ${Math.round(seconds)} s. Overwritten by every run; \`docs/RELIABILITY.md\` includes it. The *before*
picture (the same attacks against the relay as it was when issue 11 was filed) is in git history:
\`git show bf46589:docs/attack-results.md\`.

Each attack runs against a fresh relay process (\`node dist/cli/main.js serve --host 127.0.0.1\`
on a free port, a temp data directory), started and stopped by the script. While it runs, a separate
observer process samples the relay's VmRSS every 50 ms from \`/proc/<pid>/status\`, plays a
well-behaved client (a one-key put over ws every 20 ms, recording put→ack latency) and probes
\`GET /healthz\` every 100 ms (one request at a time). *Before* is the median RSS of the last second
before the attack, *peak* the highest sample from the attack's start until *after*, the median of the
last second of a settle pause once the attacker's sockets are closed, and then again once a full garbage
collection was forced (the relay runs with \`--inspect=127.0.0.1:0\`; the harness calls
\`HeapProfiler.collectGarbage\` after the settle pause, and nothing else): garbage V8 has not collected yet
is not memory the relay holds, and the *RSS after* verdict uses the figure after the GC. *Peak* has no
such correction: it includes garbage not yet collected and memory the C allocator keeps after it was freed. Puts or probes still unanswered
when the attack ends count at their age so far.

Each attack passes the bound it tests as a flag, small where the attack needs it to be reached quickly
(e.g. \`--max-deferred-bytes 32mb\`), and only if \`trellis serve --help\` lists it (otherwise the bound
cell says so and the default applies); the *bound* column names the flags passed, the details list them.

Verdict: PASS when RSS peak and after grew by no more than the attack's bound plus ${Math.round(RSS_SLACK / MB)} MB of slack
(transient buffers, GC), the good client's put-ack p99 is under ${P99_TARGET_MS} ms, the relay's promise held
(column *promise*: the attack's write was refused with an error, or acknowledged and then read back, as the
row says; an error is not an acknowledgement) and every write the good client saw acknowledged reads back at the end.

Machine: ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 1024 ** 3)} GB RAM, Node ${process.version},
load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start. The machine may be shared: latency
figures are noisy, and a single slow sample moves a p99 of a few hundred puts. Compare orders of magnitude.

${table(rows)}

## Details

${details(rows)}
`
}

export function loadNow() {
  return loadavg()
}
