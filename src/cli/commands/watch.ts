import type { Command } from '../command.js'
import type { Data } from '../../core/chain/chain.js'
import { chainFor, CLIENT_OPTIONS_HELP, commandArgs, connectClient, show } from './client-options.js'

const HELP = `Usage: trellis watch <path> [options]

Print the value now and on every change, one JSON line each
({"key": ..., "data": ...}), until interrupted (Ctrl-C / SIGTERM: exit 0).

  <path>            soul[/key...]
${CLIENT_OPTIONS_HELP.split('\n')
  .filter((line) => !line.includes('--timeout'))
  .join('\n')}
`

export const watch: Command = {
  name: 'watch',
  summary: 'Follow a node or value live: trellis watch <path> [--peer URL]',
  async run(argv) {
    const args = commandArgs('watch', HELP, argv, 1, 'exactly one <path>')
    if (typeof args === 'number') return args
    const db = connectClient(args)
    const meta = args.meta
    try {
      chainFor(db, args.positionals[0]).on((data: Data, key: string) => {
        process.stdout.write(`{"key":${JSON.stringify(key)},"data":${show(data, meta)}}\n`)
      })
    } catch (error) {
      await db.close()
      process.stderr.write(`trellis watch: ${(error as Error).message}\n`)
      return 2
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await db.close()
    return 0
  },
}
