import { oneDirectory, parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { createLogStorage } from '../../storage/log/index.js'
import { progressBar } from '../../storage/log/progress.js'
import { exportGraph } from '../../storage/log/transfer.js'

const HELP = `Usage: trellis export <dir> > graph.json

Write the whole graph of a log store to stdout as JSON, { soul: node } with
Gun's node form ({ _: { '#': soul, '>': states }, key: value }), souls in
lexical order. Read-only: safe next to a live relay. Re-import with
\`trellis import\`.

Options:
  -h, --help    Show this help
`

export const exportCommand: Command = {
  name: 'export',
  summary: 'Export a log store as a JSON graph to stdout',
  async run(argv) {
    const args = parseCommandArgs(argv, HELP, {}, oneDirectory)
    if (typeof args === 'number') return args
    const { positionals } = args
    const store = await createLogStorage({ dir: positionals[0], readOnly: true, logger: { warn: (m) => process.stderr.write(`${m}\n`) } })
    const bar = progressBar('exporting', 'souls')
    try {
      const write = (chunk: string) =>
        new Promise<void>((resolve, reject) => {
          process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()))
        })
      const souls = await exportGraph(store, write, (done, total) => bar.update(done, total))
      bar.stop()
      process.stderr.write(`exported ${souls} souls\n`)
      return 0
    } finally {
      bar.stop()
      await store.close()
    }
  },
}
