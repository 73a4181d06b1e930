/** One `trellis <name>` sub-command. `run` returns the process exit code. */
export interface Command {
  name: string
  /** One line for `trellis --help`. */
  summary: string
  run(argv: string[]): Promise<number>
}
