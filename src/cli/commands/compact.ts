import { oneDirectory, parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { createLogStorage } from '../../storage/log/index.js'
import { progressBar } from '../../storage/log/progress.js'

const HELP = `Usage: trellis compact <dir> [--tombstone-ttl-days <n>]

Merge the segments of a log store, keeping only the winning state (HAM) of
every key, and swap them in atomically. Stop the relay using <dir> first
(a running relay compacts in the background by itself).

Options:
  --tombstone-ttl-days <n>  Also drop deletes (null values) older than n days.
                            Default: keep them forever, as Gun does (see docs/storage.md)
  -h, --help                Show this help
`

export const compact: Command = {
  name: 'compact',
  summary: 'Compact a log store (merge segments, drop overwritten data)',
  async run(argv) {
    const args = parseCommandArgs(argv, HELP, { 'tombstone-ttl-days': { type: 'string' } }, oneDirectory)
    if (typeof args === 'number') return args
    const { values, positionals } = args
    let tombstoneTtlMs = Infinity
    const ttl = values['tombstone-ttl-days']
    if (ttl !== undefined) {
      const days = Number(ttl)
      if (!Number.isFinite(days) || days < 0) throw new Error(`invalid --tombstone-ttl-days '${ttl}': expected a non-negative number`)
      tombstoneTtlMs = days * 86_400_000
    }
    const dir = positionals[0]
    const store = await createLogStorage({ dir, autoCompact: false, tombstoneTtlMs })
    const bar = progressBar('compacting', 'bytes')
    try {
      const before = store.stats()
      const result = await store.compact({ onProgress: (done, total) => bar.update(done, total) })
      bar.stop()
      const after = store.stats()
      process.stdout.write(
        `compacted ${dir}: ${result.inputs.length} segment(s), ${before.diskBytes} → ${after.diskBytes} bytes, ${after.souls} souls` +
          (result.tombstonesDropped > 0 ? `, ${result.tombstonesDropped} expired tombstones dropped` : '') +
          '\n',
      )
      return 0
    } finally {
      bar.stop()
      await store.close()
    }
  },
}
