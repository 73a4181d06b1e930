import { parseArgs } from 'node:util'

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>

/** What a command gets back: each option typed by its declaration. */
export interface ParsedCommandArgs<O extends Options> {
  values: { [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean }
  positionals: string[]
}

/**
 * Parse a sub-command's arguments the same way everywhere: `-h`/`--help`
 * prints `help` and ends with 0; arguments that `accept` refuses print it to
 * stderr and end with 2 (a usage error). Returns the parsed arguments, or
 * the exit code when the command should stop there.
 */
export function parseCommandArgs<O extends Options>(
  argv: string[],
  help: string,
  options: O,
  accept: (positionals: string[], values: Record<string, unknown>) => boolean,
): ParsedCommandArgs<O> | number {
  const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true })
  const values = parsed.values as Record<string, unknown>
  if (values.help === true) {
    process.stdout.write(help)
    return 0
  }
  if (!accept(parsed.positionals, values)) {
    process.stderr.write(help)
    return 2
  }
  return { values: values as ParsedCommandArgs<O>['values'], positionals: parsed.positionals }
}

/** Exactly one positional: the store's directory. */
export const oneDirectory = (positionals: string[]) => positionals.length === 1
