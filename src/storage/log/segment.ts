import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { FRAME_HEADER, SEGMENT_HEADER, SEGMENT_MAGIC, TYPE_SEAL, allZero, checkFrame, findNextFrame } from './frame.js'

/** Segment files are `seg-<8+ digit id>.log`; ids only grow, so names never repeat. */
export function segmentName(id: number): string {
  return `seg-${String(id).padStart(8, '0')}.log`
}

export function parseSegmentName(name: string): number | undefined {
  const match = /^seg-(\d{8,})\.log$/.exec(name)
  return match === null ? undefined : Number(match[1])
}

/** fsync a directory so a create, rename or unlink inside it survives a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Create an empty segment atomically (header written and synced under a temp name, then renamed). */
export async function createSegmentFile(dir: string, id: number): Promise<void> {
  const path = join(dir, segmentName(id))
  const tmp = `${path}.tmp`
  try {
    const handle = await open(tmp, 'w')
    try {
      await handle.write(SEGMENT_MAGIC, 0, SEGMENT_HEADER, 0)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (error) {
    // Disk full, say: leave nothing behind (start-up would delete the temp file anyway).
    await rm(tmp, { force: true }).catch(() => undefined)
    throw error
  }
  syncDir(dir)
}

interface Damage {
  /** File offset of the first frame that does not check out. */
  offset: number
  reason: string
  /** Looks like a write interrupted by a crash: nothing valid follows it. */
  torn: boolean
  /** Offset of the next valid frame after the damage, or -1. */
  resumeAt: number
}

export interface ScanResult {
  /** Offset just past the last valid frame read. */
  end: number
  sealed: boolean
  damage: Damage | undefined
}

/** Called for every valid frame: `buf[start, end)` is the whole frame, which starts at file offset `fileOffset`. */
export type FrameVisitor = (buf: Buffer, start: number, end: number, fileOffset: number, type: number) => void | Promise<void>

const CHUNK = 8 * 1024 * 1024

/** Check a segment's header; returns a reason when it is not one of ours. */
export async function checkHeader(handle: FileHandle, size: number): Promise<string | undefined> {
  if (size < SEGMENT_HEADER) return `file is ${size} bytes, shorter than a segment header`
  const head = Buffer.alloc(SEGMENT_HEADER)
  await handle.read(head, 0, SEGMENT_HEADER, 0)
  return head.equals(SEGMENT_MAGIC) ? undefined : 'bad segment header'
}

/**
 * Read every frame of a segment from `from` to `size`, in order, verifying
 * CRCs. Stops at the first damaged frame and describes it; the caller
 * decides between truncating a torn tail and refusing to start.
 */
export async function scanSegment(handle: FileHandle, size: number, from: number, visit: FrameVisitor): Promise<ScanResult> {
  let offset = from
  let sealed = false
  while (offset < size) {
    const want = Math.min(CHUNK, size - offset)
    let buf = Buffer.allocUnsafe(want)
    await readFully(handle, buf, offset)
    let at = 0
    while (at < buf.length) {
      const check = checkFrame(buf, at, buf.length)
      if (check.ok) {
        await visit(buf, at, at + check.length, offset + at, check.type)
        if (check.type === TYPE_SEAL) sealed = true
        at += check.length
        continue
      }
      if (check.extendsPastEnd && offset + buf.length < size) {
        // The frame continues past this chunk: reread from its start, big enough to hold it.
        const length = at + 8 <= buf.length ? buf.readUInt32LE(at) + 8 : CHUNK
        const next = Buffer.allocUnsafe(Math.min(size - offset - at, Math.max(CHUNK, length)))
        offset += at
        await readFully(handle, next, offset)
        buf = next
        at = 0
        continue
      }
      return { end: offset + at, sealed, damage: await describeDamage(handle, size, offset + at, check.reason, check.extendsPastEnd) }
    }
    offset += buf.length
  }
  return { end: offset, sealed, damage: undefined }
}

async function describeDamage(handle: FileHandle, size: number, offset: number, reason: string, extendsPastEnd: boolean): Promise<Damage> {
  const rest = Buffer.allocUnsafe(size - offset)
  await readFully(handle, rest, offset)
  const found = findNextFrame(rest, 1, rest.length)
  const resumeAt = found === -1 ? -1 : offset + found
  // A torn write (the process or machine died inside the one write() of a frame) leaves a SHORT frame, or
  // zeros the OS allocated but never filled. A frame whose full length is present but fails its CRC was
  // written whole and damaged since: corruption, never silently dropped. So is a short frame whose bytes
  // match the CRC in its header (its length field is what was damaged).
  const lengthDamaged = extendsPastEnd && rest.length > FRAME_HEADER && crc32(rest.subarray(FRAME_HEADER)) === rest.readUInt32LE(4)
  if (lengthDamaged) reason = 'frame length field damaged (the payload after it checks out)'
  const torn = resumeAt === -1 && ((extendsPastEnd && !lengthDamaged) || allZero(rest, 0, rest.length))
  return { offset, reason, torn, resumeAt }
}

export async function readFully(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const { bytesRead } = await handle.read(buf, done, buf.length - done, position + done)
    if (bytesRead === 0) throw new Error(`unexpected end of file at ${position + done}`)
    done += bytesRead
  }
}
