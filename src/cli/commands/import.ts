import { readFile } from 'node:fs/promises'
import { parseCommandArgs } from '../args.js'
import type { Command } from '../command.js'
import { createLogStorage } from '../../storage/log/index.js'
import { progressBar } from '../../storage/log/progress.js'
import { importGraph, importRadata, type ImportReport } from '../../storage/log/transfer.js'

const HELP = `Usage: trellis import <dir> [graph.json | -]
       trellis import <dir> --radata <radata-dir>

Merge data into a log store (created if missing), key by key with Gun's HAM
rule, so importing twice or into a non-empty store is safe.

  graph.json         A JSON graph as written by \`trellis export\` ('-' or no
                     file: read stdin)
  --radata <dir>     A stock Gun relay's radata directory (RAD JSON format):
                     migrate a Gun relay to Trellis. Stop the Gun relay first.

Options:
  -h, --help         Show this help
`

export const importCommand: Command = {
  name: 'import',
  summary: 'Import a JSON graph or a stock Gun radata directory into a log store',
  async run(argv) {
    // <dir> and an optional graph file, or <dir> alone with --radata.
    const args = parseCommandArgs(argv, HELP, { radata: { type: 'string' } }, (positionals, values) =>
      values.radata !== undefined ? positionals.length === 1 : positionals.length >= 1 && positionals.length <= 2,
    )
    if (typeof args === 'number') return args
    const { values, positionals } = args
    const store = await createLogStorage({ dir: positionals[0] })
    const bar = progressBar('importing', values.radata !== undefined ? 'files' : 'souls')
    let report: ImportReport
    try {
      const onProgress = (done: number, total: number) => bar.update(done, total)
      if (values.radata !== undefined) report = await importRadata(store, values.radata, onProgress)
      else {
        const source = positionals[1] ?? '-'
        const text = source === '-' ? await readStdin() : await readFile(source, 'utf8')
        let graph: unknown
        try {
          graph = JSON.parse(text)
        } catch (error) {
          throw new Error(`${source === '-' ? 'stdin' : source} is not valid JSON: ${(error as Error).message}`)
        }
        report = await importGraph(store, graph, onProgress)
      }
    } finally {
      bar.stop()
      await store.close()
    }
    process.stderr.write(
      `imported ${report.souls} souls, ${report.keys} keys into ${positionals[0]}${report.skipped > 0 ? `; skipped ${report.skipped}` : ''}\n`,
    )
    if (report.quirksRepaired > 0)
      process.stderr.write(`  ${report.quirksRepaired} record(s) had their state filed under "undefined" by stock Gun; imported with that state\n`)
    for (const problem of report.problems) process.stderr.write(`  ${problem}\n`)
    return 0
  },
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
