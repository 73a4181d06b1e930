import { crc32 } from 'node:zlib'

/**
 * Records on disk. A segment file is an 8-byte header followed by frames:
 *
 *   u32 payloadLength | u32 crc32(payload) | payload
 *   payload = u8 type | ...
 *
 * One frame is one group commit, written by one write() and made durable by
 * one fsync, so a crash leaves either the whole frame or a torn tail.
 * Type ENTRIES carries node entries (codec.ts); type SEAL closes a segment
 * for good: a segment that ends in a seal was complete when written, so any
 * damage in it is corruption, never a torn write.
 */
export const SEGMENT_MAGIC = Buffer.from('TRLSEG\x00\x01', 'latin1')
export const SEGMENT_HEADER = SEGMENT_MAGIC.length
export const FRAME_HEADER = 8
export const TYPE_ENTRIES = 1
export const TYPE_SEAL = 2
/** A frame longer than this is damage, not data. */
const MAX_FRAME = 0x7fffffff

export function sealFrame(): Buffer {
  const frame = Buffer.alloc(FRAME_HEADER + 1)
  frame[FRAME_HEADER] = TYPE_SEAL
  finishFrame(frame, 0, frame.length)
  return frame
}

/** Fill in the header of the frame occupying buf[start, end). */
export function finishFrame(buf: Buffer, start: number, end: number): void {
  const payload = buf.subarray(start + FRAME_HEADER, end)
  buf.writeUInt32LE(payload.length, start)
  buf.writeUInt32LE(crc32(payload), start + 4)
}

export type FrameCheck = { ok: true; length: number; type: number } | { ok: false; reason: string; extendsPastEnd: boolean }

/** Validate the frame at `offset` of `buf`, whose bytes end at `end` (the end of the file). */
export function checkFrame(buf: Buffer, offset: number, end: number): FrameCheck {
  if (offset + FRAME_HEADER > end) return { ok: false, reason: 'partial frame header', extendsPastEnd: true }
  const length = buf.readUInt32LE(offset)
  if (length === 0 || length > MAX_FRAME) return { ok: false, reason: `bad frame length ${length}`, extendsPastEnd: false }
  if (offset + FRAME_HEADER + length > end) return { ok: false, reason: 'frame extends past end of file', extendsPastEnd: true }
  const payloadStart = offset + FRAME_HEADER
  if (crc32(buf.subarray(payloadStart, payloadStart + length)) !== buf.readUInt32LE(offset + 4)) {
    return { ok: false, reason: 'CRC mismatch', extendsPastEnd: false }
  }
  const type = buf[payloadStart]
  if (type !== TYPE_ENTRIES && type !== TYPE_SEAL) return { ok: false, reason: `unknown record type ${type}`, extendsPastEnd: false }
  return { ok: true, length: FRAME_HEADER + length, type }
}

/** The first offset after `from` where a valid frame starts, or -1. Used to resync past damage. */
export function findNextFrame(buf: Buffer, from: number, end: number): number {
  for (let at = from; at + FRAME_HEADER < end; at++) {
    const length = buf.readUInt32LE(at)
    if (length === 0 || at + FRAME_HEADER + length > end) continue
    const type = buf[at + FRAME_HEADER]
    if (type !== TYPE_ENTRIES && type !== TYPE_SEAL) continue
    if (checkFrame(buf, at, end).ok) return at
  }
  return -1
}

/** True when every byte of buf[from, end) is zero: a file extended by the OS whose data never landed. */
export function allZero(buf: Buffer, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (buf[i] !== 0) return false
  return true
}
