import type { Command } from '../command.js'
import { chainFor, CLIENT_OPTIONS_HELP, commandArgs, exitCodeOf, UsageError, usageFailure, withClient } from './client-options.js'

const HELP = `Usage: trellis put <path> <json> [options]

Write a JSON value through a relay and wait for its acknowledgement (a
Trellis relay acknowledges once the write is on disk). Nested objects become
linked nodes; null deletes. A bare soul takes an object.

  <path>            soul[/key...], e.g. users/ann
  <json>            e.g. '{"name":"Ann","age":41}' or '"text"' or 42
${CLIENT_OPTIONS_HELP}
`

export const put: Command = {
  name: 'put',
  summary: 'Write JSON through a relay: trellis put <path> <json> [--peer URL]',
  async run(argv) {
    const args = commandArgs('put', HELP, argv, 2, '<path> and <json>')
    if (typeof args === 'number') return args
    let value: unknown
    try {
      value = JSON.parse(args.positionals[1])
    } catch (error) {
      return usageFailure('put', new UsageError(`invalid JSON: ${(error as Error).message}`))
    }
    const path = args.positionals[0]
    try {
      await withClient(
        args,
        (db) =>
          new Promise<void>((resolve, reject) => {
            chainFor(db, path).put(value, (ack) => (ack.err === undefined ? resolve() : reject(new Error(ack.err))))
          }),
      )
      process.stdout.write('ok\n')
      return 0
    } catch (error) {
      process.stderr.write(`trellis put: ${(error as Error).message}\n`)
      return exitCodeOf(error)
    }
  },
}
