import type { Command } from '../command.js'
import { compact } from './compact.js'
import { exportCommand } from './export.js'
import { get } from './get.js'
import { importCommand } from './import.js'
import { inspect } from './inspect.js'
import { put } from './put.js'
import { repair } from './repair.js'
import { serve } from './serve.js'
import { watch } from './watch.js'

/** Every sub-command, in the order `trellis --help` lists them. Add new ones here. */
export const commands: Command[] = [serve, get, put, watch, inspect, compact, exportCommand, importCommand, repair]
