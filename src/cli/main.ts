#!/usr/bin/env node
import { commands } from './commands/index.js'

function usage(): string {
  const width = Math.max(0, ...commands.map((c) => c.name.length))
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return ['Usage: trellis <command> [options]', '', 'Commands:', ...lines, '', 'Run `trellis <command> --help` for the options of one command.'].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n')
    return name === undefined ? 1 : 0
  }
  const command = commands.find((c) => c.name === name)
  if (command === undefined) {
    process.stderr.write(`trellis: unknown command '${name}'\n\n${usage()}\n`)
    return 2
  }
  return command.run(rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`trellis: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
