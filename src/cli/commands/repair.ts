import { oneDirectory, parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { createLogStorage } from '../../storage/log/index.js'
import { progressBar } from '../../storage/log/progress.js'
import { repairStore } from '../../storage/log/repair.js'

const HELP = `Usage: trellis repair <dir>

Salvage a damaged log store: copy every record whose checksum verifies into
fresh segments, report what could not be read (segment and offset), and
rebuild the index. Stop the relay using <dir> first. Back up <dir> before
repairing if the damaged bytes matter to you: repair removes them.

Options:
  -h, --help    Show this help
`

export const repair: Command = {
  name: 'repair',
  summary: 'Salvage every readable record of a damaged log store',
  async run(argv) {
    const args = parseCommandArgs(argv, HELP, {}, oneDirectory)
    if (typeof args === 'number') return args
    const { positionals } = args
    const dir = positionals[0]
    const bar = progressBar('repairing', 'bytes')
    const report = await repairStore(dir, (done, total) => bar.update(done, total)).finally(() => bar.stop())
    for (const d of report.damage) {
      const kept = d.entriesSalvaged === undefined ? '' : `; ${d.entriesSalvaged} entries of it salvaged (their own CRCs verify)`
      process.stderr.write(`lost: ${d.segment} at offset ${d.offset}: ${d.reason} (${d.skippedBytes} bytes dropped${kept})\n`)
    }
    // Opening rebuilds the index from the repaired segments; closing writes the hint.
    const store = await createLogStorage({ dir, autoCompact: false })
    const souls = store.stats().souls
    await store.close()
    process.stdout.write(
      `repaired ${dir}: ${report.entriesSalvaged} records salvaged from ${report.segments} segment(s), ${report.damage.length} damaged region(s) dropped, ${souls} souls\n`,
    )
    return 0
  },
}
