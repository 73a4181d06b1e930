import type { Command } from '../command.js'
import { serve } from './serve.js'

/** Every sub-command, in the order `trellis --help` lists them. Add new ones here. */
export const commands: Command[] = [serve]
