import type { GraphNode } from '../../core/node.js'
import type { ChangePage } from '../../core/storage-contract.js'
import { DecodeError } from './bytes.js'
import { ENTRY_HEADER, decodeEntry } from './codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, TYPE_ENTRIES, checkFrame } from './frame.js'
import { corrupt } from './recovery.js'
import { segmentName } from './segment.js'
import type { SegmentInfo, SegmentSet } from './segment-set.js'

/**
 * The change feed of the log (StorageAdapter.changes): the segments' frames
 * read back in order, from a cursor.
 *
 * Why it is correct across compaction and restarts. Segment ids only grow.
 * A write lands in the active segment; compaction seals the active segment
 * first and gives its outputs ids above the new active one. So a write
 * committed after the moment a cursor's `base` was taken — the active
 * segment and its committed size at that moment — lives, whenever we look,
 * either past `base` in that segment, or in a segment with a higher id (a
 * later active segment, or a compaction output that took it in). A pass
 * therefore reads every segment with an id from `base`'s on, non-active ones
 * in id order and the active one LAST (it is the only one that grows, so the
 * pass never moves past a segment that can still receive writes). When the
 * pass reaches the end of the active segment, that position is the new base.
 * A pass that spans several pages keeps its base and records its progress
 * (segment, frame, entries already sent, and the active segment if the
 * page was cut in a compaction output above it: should that segment be
 * sealed before the next page, the pass restarts at it); a progress segment that
 * compaction removed is skipped, since what it held moved into outputs with
 * higher ids, which the pass still reads. Compaction outputs are resent to a
 * cursor whose base they took in (once per compaction; HAM makes it a no-op).
 *
 * Reads are synchronous preads (as the store's own reads are), so no
 * compaction swap interleaves with a page.
 */

interface Cursor {
  /** Base: the active segment and its committed size when the last pass ended. */
  bs: number
  bo: number
  /** Progress of the pass: the next frame (segment, file offset) and entries of it already sent. */
  xs: number
  xo: number
  xe: number
  /**
   * The active segment when the page was cut, if the pass had gone past its id (a compaction output
   * with a higher id was being read): it is still to be read, and if it was sealed meanwhile it now
   * sorts before the progress point, so the next read restarts the pass at it. 0: none.
   */
  t: number
}

const FULL: Cursor = { bs: 0, bo: 0, xs: 0, xo: 0, xe: 0, t: 0 }
const VERSION = 'L1'

function formatCursor(c: Cursor): string {
  return `${VERSION}:${c.bs}:${c.bo}:${c.xs}:${c.xo}:${c.xe}:${c.t}`
}

/** A cursor string, or undefined when it is not one of ours (the caller then starts from the beginning). */
function parseCursor(text: string | undefined): Cursor | undefined {
  if (typeof text !== 'string' || text.length > 120) return undefined
  const parts = text.split(':')
  if (parts.length !== 7 || parts[0] !== VERSION) return undefined
  const n: number[] = []
  for (let i = 1; i < 7; i++) {
    if (!/^\d{1,15}$/.test(parts[i])) return undefined
    n.push(Number(parts[i]))
  }
  return { bs: n[0], bo: n[1], xs: n[2], xo: n[3], xe: n[4], t: n[5] }
}

export interface FeedContext {
  dir: string
  segments: SegmentSet
  active(): SegmentInfo
}

/** One page of the feed from `since` (see the file comment). Synchronous. */
export function readChanges(ctx: FeedContext, since: string | undefined, maxBytes: number): ChangePage {
  const act = ctx.active()
  let c = sane(ctx, parseCursor(since) ?? FULL, act)
  if (c.t !== 0 && c.t !== act.id && c.t < c.xs && ctx.segments.get(c.t) !== undefined) {
    // The segment left behind as active was sealed since: restart the pass there (what lies between it
    // and the progress point is sent again; HAM makes that a no-op).
    c = { ...c, xs: c.t, xo: c.t === c.bs ? c.bo : SEGMENT_HEADER, xe: 0, t: 0 }
  }
  const order: SegmentInfo[] = []
  if (c.xs !== act.id) {
    for (const s of ctx.segments.segments.values()) if (s.id !== act.id && s.id >= c.xs && s.id >= c.bs) order.push(s)
    order.sort((a, b) => a.id - b.id)
  }
  order.push(act)

  const nodes: GraphNode[] = []
  let bytes = 0
  const budget = Math.max(1, maxBytes)
  for (const s of order) {
    let off = Math.max(SEGMENT_HEADER, s.id === c.xs ? c.xo : s.id === c.bs ? c.bo : SEGMENT_HEADER)
    let skip = s.id === c.xs ? c.xe : 0
    const end = s.size
    while (off < end) {
      let frame
      try {
        frame = readFrame(ctx, s, off, end)
      } catch (error) {
        // The cursor's own position is not a frame of ours (a cursor from elsewhere): start over.
        if (nodes.length === 0 && c !== FULL && off !== SEGMENT_HEADER && s.id === c.xs) return readChanges(ctx, undefined, maxBytes)
        throw error
      }
      if (frame === undefined) break
      const { buf, length, type } = frame
      if (type === TYPE_ENTRIES) {
        let index = 0
        for (let at = FRAME_HEADER + 1; at < length; index++) {
          const entryLength = ENTRY_HEADER + buf.readUInt32LE(at)
          if (index >= skip) {
            try {
              nodes.push(decodeEntry(buf, at, at + entryLength))
            } catch (error) {
              if (error instanceof DecodeError) throw corrupt(ctx.dir, segmentName(s.id), off + at, error.message)
              throw error
            }
            bytes += entryLength
          }
          at += entryLength
          if (bytes >= budget && at < length) return page(nodes, bytes, { ...c, xs: s.id, xo: off, xe: index + 1, t: behind(act, s) }, false)
        }
      }
      off += length
      skip = 0
      if (bytes >= budget && (off < end || s !== act)) return page(nodes, bytes, { ...c, xs: s.id, xo: off, xe: 0, t: behind(act, s) }, false)
    }
  }
  // The end of the active segment: the pass is complete, and this is the new base.
  return page(nodes, bytes, { bs: act.id, bo: act.size, xs: act.id, xo: act.size, xe: 0, t: 0 }, true)
}

/** The active segment's id when a page stops inside a segment with a higher id (see Cursor.t), else 0. */
function behind(act: SegmentInfo, at: SegmentInfo): number {
  return act.id < at.id ? act.id : 0
}

function page(nodes: GraphNode[], bytes: number, c: Cursor, done: boolean): ChangePage {
  return { nodes, bytes, next: formatCursor(c), done }
}

/** A cursor that cannot be ours (from another store, or a store restored from an older copy) starts over. */
function sane(ctx: FeedContext, c: Cursor, act: SegmentInfo): Cursor {
  if (c === FULL) return c
  if (c.bs >= ctx.segments.nextId || c.xs >= ctx.segments.nextId || c.bs > act.id || c.xs < c.bs || c.t >= ctx.segments.nextId || (c.t !== 0 && c.t < c.bs))
    return FULL
  if (c.xs === c.bs && c.xo < c.bo) return FULL
  const base = ctx.segments.get(c.bs)
  if (base !== undefined && c.bo > base.size) return FULL
  const at = ctx.segments.get(c.xs)
  if (at !== undefined && c.xo > at.size) return FULL
  return c
}

/** The frame at `off` of segment `s`; undefined past the end. Damage throws (the store refuses as it would on open). */
function readFrame(ctx: FeedContext, s: SegmentInfo, off: number, end: number): { buf: Buffer; length: number; type: number } | undefined {
  if (off + FRAME_HEADER > end) return undefined
  const head = ctx.segments.read(s.id, off, FRAME_HEADER)
  if (head === undefined) return undefined
  const length = FRAME_HEADER + head.readUInt32LE(0)
  if (off + length > end) throw corrupt(ctx.dir, segmentName(s.id), off, 'frame extends past the committed end')
  const buf = ctx.segments.read(s.id, off, length)
  if (buf === undefined) return undefined
  const check = checkFrame(buf, 0, length)
  if (!check.ok) throw corrupt(ctx.dir, segmentName(s.id), off, check.reason)
  return { buf, length, type: check.type }
}
