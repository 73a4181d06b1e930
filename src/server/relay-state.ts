import { closeSync, fsyncSync, openSync } from 'node:fs'
import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { randomId } from '../mesh/ids.js'
import type { CursorStore } from '../mesh/catch-up.js'

/**
 * What a relay keeps in its data directory beside the log (docs/mesh.md,
 * "Catch-up between relays"): its identity, so other relays' cursors into
 * its change feed stay valid across restarts, and the cursors it holds into
 * theirs, so a restart resumes catch-up where it stopped.
 */

export const RELAY_ID_FILE = 'relay-id'
export const PEER_CURSORS_FILE = 'peer-cursors.json'
const MAX_PID_CHARS = 128
const MAX_CURSOR_CHARS = 256

/** Write `text` to `path` atomically and durably: temp file, fsync, rename, fsync of the directory. */
async function writeAtomically(dir: string, path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writeFile(text)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** This relay's pid: read from the data directory, or made once and kept there. */
export async function relayIdentity(dataDir: string): Promise<string> {
  const path = join(dataDir, RELAY_ID_FILE)
  try {
    const text = (await readFile(path, 'utf8')).trim()
    if (/^[0-9A-Za-z_-]{1,128}$/.test(text)) return text
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const pid = randomId(16)
  await writeAtomically(dataDir, path, `${pid}\n`)
  return pid
}

export interface CursorFile extends CursorStore {
  readonly size: number
  /** Write what is pending now; resolves once it is durable. */
  flush(): Promise<void>
}

/**
 * Cursors into other relays' change feeds, by their pid, in a small JSON
 * file: written at most every `flushMs` (atomically), at most `max` entries
 * (the least recently advanced dropped: a lost cursor costs a full resend,
 * never data). A damaged file is ignored the same way.
 */
export async function openCursorFile(dataDir: string, options: { max?: number; flushMs?: number; log?: (line: string) => void } = {}): Promise<CursorFile> {
  const max = options.max ?? 1000
  const flushMs = options.flushMs ?? 100
  const path = join(dataDir, PEER_CURSORS_FILE)
  const cursors = new Map<string, string>()
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'))
    const held = typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, 'cursors') ? (parsed as { cursors: unknown }).cursors : undefined
    if (typeof held === 'object' && held !== null) {
      for (const pid of Object.keys(held)) {
        const cursor: unknown = (held as Record<string, unknown>)[pid]
        if (typeof cursor === 'string' && pid.length <= MAX_PID_CHARS && cursor.length <= MAX_CURSOR_CHARS && cursors.size < max) cursors.set(pid, cursor)
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      options.log?.(`catch-up: ignoring ${path} (${(error as Error).message}); the next catch-up with each relay resends everything`)
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  let writing: Promise<void> | undefined
  let dirty = false

  const write = async (): Promise<void> => {
    for (let first = true; dirty; first = false) {
      // At most one write every `flushMs`: later changes wait and go out together.
      if (!first) await new Promise((resolve) => setTimeout(resolve, flushMs))
      dirty = false
      const text = JSON.stringify({ version: 1, cursors: Object.fromEntries(cursors) })
      try {
        await writeAtomically(dataDir, path, text)
      } catch (error) {
        // Not fatal: the cursors in memory go on; the file lags (a restart then resends more).
        options.log?.(`catch-up: could not write ${path}: ${(error as Error).message}`)
        return
      }
    }
  }
  const flush = (): Promise<void> => {
    if (timer !== undefined) {
      clearTimeout(timer)
      timer = undefined
    }
    writing ??= write().finally(() => (writing = undefined))
    return writing
  }

  return {
    get size() {
      return cursors.size
    },
    get: (pid) => cursors.get(pid),
    set(pid, cursor) {
      if (pid.length > MAX_PID_CHARS || cursor.length > MAX_CURSOR_CHARS) return
      cursors.delete(pid)
      cursors.set(pid, cursor)
      while (cursors.size > max) cursors.delete(cursors.keys().next().value as string)
      dirty = true
      // A write in progress loops while dirty; otherwise one is scheduled.
      if (timer === undefined && writing === undefined) {
        timer = setTimeout(() => {
          timer = undefined
          void flush()
        }, flushMs)
        timer.unref?.()
      }
    },
    async flush() {
      await writing
      if (dirty) await flush()
    },
  }
}
