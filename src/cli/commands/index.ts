import type { Command } from '../command.js'
import { serve } from './serve.js'
import { inspect } from './inspect.js'
import { compact } from './compact.js'
import { exportCommand } from './export.js'
import { importCommand } from './import.js'
import { repair } from './repair.js'

/** Every sub-command, in the order `trellis --help` lists them. Add new ones here. */
export const commands: Command[] = [serve, inspect, compact, exportCommand, importCommand, repair]
