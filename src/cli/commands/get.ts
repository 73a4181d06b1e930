import type { Command } from '../command.js'
import { chainFor, CLIENT_OPTIONS_HELP, commandArgs, show, exitCodeOf, withClient } from './client-options.js'

const HELP = `Usage: trellis get <path> [options]

Read once from a relay and print the value as JSON: a node (links shown as
{"#": soul}) or a value. Exit 1 when nothing is there, 3 when no relay
answers at --peer, 2 on bad input.

  <path>            soul[/key...], e.g. users/ann or users/ann/name
${CLIENT_OPTIONS_HELP}
`

export const get: Command = {
  name: 'get',
  summary: 'Read a node or value from a relay: trellis get <path> [--peer URL]',
  async run(argv) {
    const args = commandArgs('get', HELP, argv, 1, 'exactly one <path>')
    if (typeof args === 'number') return args
    const path = args.positionals[0]
    try {
      const result = await withClient(args, (db) => chainFor(db, path).read())
      if (result.data === undefined) {
        process.stderr.write(result.synced ? `trellis get: nothing at ${path}\n` : `trellis get: nothing at ${path} (${args.peer} did not answer in time)\n`)
        return 1
      }
      process.stdout.write(show(result.data, args.meta) + '\n')
      return 0
    } catch (error) {
      process.stderr.write(`trellis get: ${(error as Error).message}\n`)
      return exitCodeOf(error)
    }
  },
}
