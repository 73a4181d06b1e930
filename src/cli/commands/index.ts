import type { Command } from '../command.js'
import { get } from './get.js'
import { put } from './put.js'
import { serve } from './serve.js'
import { watch } from './watch.js'

/** Every sub-command, in the order `trellis --help` lists them. Add new ones here. */
export const commands: Command[] = [serve, get, put, watch]
