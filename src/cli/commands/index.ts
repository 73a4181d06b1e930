import type { Command } from '../command.js'

/** Every sub-command, in the order `trellis --help` lists them. Add new ones here. */
export const commands: Command[] = []
