import { open, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { TrellisError } from '../../core/errors.js'
import { DecodeError } from './bytes.js'
import { ENTRY_HEADER, entrySoul } from './codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, TYPE_ENTRIES } from './frame.js'
import { HINT_FILE, loadHint, type LoadedHint } from './hint.js'
import { checkHeader, parseSegmentName, scanSegment, segmentName, syncDir } from './segment.js'
import type { SegmentInfo } from './segment-set.js'
import { SoulIndex } from './soul-index.js'

/** Where the log reports what it found and repaired while opening (e.g. `console`). */
export interface Logger {
  /** Damage found, or something skipped. */
  warn(message: string): void
  /** Optional: informational messages (the log calls only `warn` today). */
  info?(message: string): void
}

export interface RecoveryOptions {
  dir: string
  readOnly: boolean
  logger: Logger
  /** Called for each soul the index learns of for the first time. */
  onSoul?(soul: string): void
}

export interface Recovered {
  index: SoulIndex
  segments: SegmentInfo[]
  nextSegmentId: number
  /** Superseded segments a compaction had not finished deleting (read-only opens leave them). */
  deleted: number[]
  hint: LoadedHint | undefined
  /** Bytes of log read past the hint. */
  replayedBytes: number
}

/**
 * Rebuild the index: load the hint, then replay every byte of log the hint
 * does not cover, verifying CRCs. A torn tail (a write a crash interrupted)
 * is truncated with a warning; any other damage refuses to open, naming the
 * segment and offset, and points at `trellis repair`.
 */
export async function recover(options: RecoveryOptions): Promise<Recovered> {
  const { dir, readOnly, logger } = options
  const names = await readdir(dir)
  const ids: number[] = []
  for (const name of names) {
    const id = parseSegmentName(name)
    if (id !== undefined) ids.push(id)
    // Leftovers of an interrupted segment creation, hint write or compaction: never part of the log.
    else if (name.endsWith('.tmp') && !readOnly) await rm(join(dir, name), { force: true })
  }
  ids.sort((a, b) => a - b)
  const present = new Set(ids)

  let index = new SoulIndex()
  let hint: LoadedHint | undefined
  try {
    hint = await loadHint(dir, index, options.onSoul)
  } catch (error) {
    logger.warn(`trellis: ignoring damaged hint file ${join(dir, HINT_FILE)} (${(error as Error).message}); replaying the whole log`)
    index = new SoulIndex()
    hint = undefined
  }

  const deleted = new Set(hint?.deleted ?? [])
  const covered = new Map<number, { covered: number; sealed: boolean }>()
  for (const s of hint?.segments ?? []) {
    if (!present.has(s.id)) {
      throw new TrellisError(
        'STORAGE',
        `Segment ${join(dir, segmentName(s.id))} is listed in the hint file but missing; run \`trellis repair ${dir}\` to rebuild from the segments that remain`,
      )
    }
    covered.set(s.id, s)
  }
  let finishedDeletes = false
  for (const id of deleted) {
    if (!present.has(id)) continue
    if (!readOnly) {
      await rm(join(dir, segmentName(id)), { force: true })
      finishedDeletes = true
    }
    present.delete(id)
  }
  if (finishedDeletes) syncDir(dir)

  const segments: SegmentInfo[] = []
  let replayedBytes = 0
  try {
    for (const id of ids) {
      if (!present.has(id)) continue
      const name = segmentName(id)
      const path = join(dir, name)
      const handle = await open(path, readOnly ? 'r' : 'r+')
      const info: SegmentInfo = { id, handle, size: 0, sealed: false }
      segments.push(info)
      const size = (await handle.stat()).size
      const headerProblem = await checkHeader(handle, size)
      if (headerProblem !== undefined) throw corrupt(dir, name, 0, headerProblem)
      const known = covered.get(id)
      const from = known?.covered ?? SEGMENT_HEADER
      if (from > size) throw corrupt(dir, name, size, `file is shorter (${size} bytes) than the hint records (${from} bytes)`)
      info.sealed = known?.sealed ?? false
      const result = await scanSegment(handle, size, from, (buf, start, end, fileOffset, type) => {
        if (type === TYPE_ENTRIES) indexFrame(index, id, buf, start, end, fileOffset, options.onSoul, dir, name)
      })
      replayedBytes += result.end - from
      info.sealed ||= result.sealed
      info.size = result.end
      const damage = result.damage
      if (damage === undefined) continue
      if (!damage.torn || info.sealed) {
        throw corrupt(dir, name, damage.offset, damage.reason)
      }
      logger.warn(
        `trellis: ${path}: torn tail at offset ${damage.offset} (${size - damage.offset} bytes, ${damage.reason}) from an interrupted write; ${readOnly ? 'ignored (read-only)' : 'truncated'}`,
      )
      if (!readOnly) {
        await handle.truncate(damage.offset)
        await handle.sync()
      }
    }
  } catch (error) {
    await Promise.all(segments.map((s) => s.handle.close().catch(() => undefined)))
    throw error
  }
  const maxId = Math.max(0, ...ids, ...deleted)
  return {
    index,
    segments,
    nextSegmentId: Math.max(hint?.nextSegmentId ?? 1, maxId + 1),
    deleted: readOnly ? [...deleted].filter((id) => ids.includes(id)) : [],
    hint,
    replayedBytes,
  }
}

/** Add every entry of one frame to the index. */
function indexFrame(
  index: SoulIndex,
  segmentId: number,
  buf: Buffer,
  start: number,
  end: number,
  fileOffset: number,
  onSoul: ((soul: string) => void) | undefined,
  dir: string,
  name: string,
): void {
  let at = start + FRAME_HEADER + 1
  while (at < end) {
    if (at + ENTRY_HEADER > end) throw corrupt(dir, name, fileOffset + (at - start), 'entry header crosses the frame end')
    const length = ENTRY_HEADER + buf.readUInt32LE(at)
    if (at + length > end) throw corrupt(dir, name, fileOffset + (at - start), 'entry crosses the frame end')
    let soul: string
    try {
      soul = entrySoul(buf, at + ENTRY_HEADER, at + length)
    } catch (error) {
      if (error instanceof DecodeError) throw corrupt(dir, name, fileOffset + (at - start), error.message)
      throw error
    }
    if (index.add(soul, segmentId, fileOffset + (at - start), length) && onSoul !== undefined) onSoul(soul)
    at += length
  }
}

export function corrupt(dir: string, name: string, offset: number, reason: string): TrellisError {
  return new TrellisError(
    'STORAGE',
    `Corrupt record in segment ${join(dir, name)} at offset ${offset}: ${reason}. Refusing to open; run \`trellis repair ${dir}\` to salvage every readable record`,
    join(dir, name),
  )
}
