import { oneDirectory, parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { createLogStorage } from '../../storage/log/index.js'
import { progressBar } from '../../storage/log/progress.js'
import { PENDING_FILE, repairPendingJournal } from '../../storage/log/pending.js'
import { walkSegments } from '../../storage/log/repair.js'
import { segmentName } from '../../storage/log/segment.js'

const HELP = `Usage: trellis inspect <dir> [--json]

Verify every record of a log store (CRCs of every frame and entry) and report
souls, segments, bytes on disk and the garbage ratio. Read-only: safe to run
next to a live relay. Exit code 1 when damage is found.

Options:
  --json        Print the report as JSON
  -h, --help    Show this help
`

export const inspect: Command = {
  name: 'inspect',
  summary: 'Verify a log store and report souls, segments, bytes and garbage',
  async run(argv) {
    const args = parseCommandArgs(argv, HELP, { json: { type: 'boolean' } }, oneDirectory)
    if (typeof args === 'number') return args
    const { values, positionals } = args
    const dir = positionals[0]
    const bar = progressBar('verifying', 'bytes')
    const scan = await walkSegments(dir, undefined, (done, total) => bar.update(done, total)).finally(() => bar.stop())
    const journal = await repairPendingJournal(dir, false)
    for (const d of journal?.damage ?? []) scan.damage.push({ segment: PENDING_FILE, ...d })
    const report: Record<string, unknown> = {
      dir,
      segments: scan.ids.map((id) => ({ file: segmentName(id), bytes: scan.sizes.get(id) })),
      entries: scan.entriesSalvaged,
      pendingWrites: journal?.writes ?? 0,
      damage: scan.damage,
    }
    if (scan.damage.length === 0) {
      const store = await createLogStorage({ dir, readOnly: true, logger: { warn: (m) => process.stderr.write(`${m}\n`) } })
      try {
        report.stats = store.stats()
      } finally {
        await store.close()
      }
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
    else {
      const lines = [`store      ${dir}`]
      const stats = report.stats as ReturnType<Awaited<ReturnType<typeof createLogStorage>>['stats']> | undefined
      if (stats !== undefined) {
        lines.push(
          `souls      ${stats.souls}`,
          `entries    ${stats.fragments} (${scan.entriesSalvaged} on disk)`,
          `segments   ${stats.segments}`,
          `bytes      ${stats.diskBytes} on disk, ~${stats.liveBytes} live`,
          `garbage    ${(stats.garbageRatio * 100).toFixed(1)}% (~${stats.garbageBytes} bytes reclaimable by \`trellis compact\`)`,
        )
      }
      for (const s of scan.ids) lines.push(`  ${segmentName(s)}  ${scan.sizes.get(s)} bytes`)
      if (scan.damage.length === 0) lines.push('status     ok: every record checks out')
      else {
        lines.push(`status     DAMAGED: ${scan.damage.length} problem(s); \`trellis repair ${dir}\` salvages every readable record`)
        for (const d of scan.damage) lines.push(`  ${d.segment} at offset ${d.offset}: ${d.reason} (${d.skippedBytes} bytes unreadable)`)
      }
      process.stdout.write(`${lines.join('\n')}\n`)
    }
    return scan.damage.length === 0 ? 0 : 1
  },
}
