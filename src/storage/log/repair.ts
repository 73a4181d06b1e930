import { open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { GraphNode } from '../../core/node.js'
import { DecodeError } from './bytes.js'
import { ENTRY_HEADER, entryBody, entrySoul, mergeEntryInto } from './codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, SEGMENT_MAGIC, TYPE_ENTRIES, checkFrame, findNextFrame } from './frame.js'
import { HINT_FILE } from './hint.js'
import { acquireLock } from './lock.js'
import { createOutput } from './output.js'
import { PENDING_FILE, repairPendingJournal } from './pending.js'
import { parseSegmentName, readFully, segmentName, syncDir } from './segment.js'

interface DamageReport {
  segment: string
  offset: number
  reason: string
  /** Bytes dropped between this offset and the next readable frame (or the end of the file). */
  skippedBytes: number
  /** Entries of a damaged frame whose own CRC still verified, and were kept. */
  entriesSalvaged?: number
}

export interface RepairReport {
  segments: number
  entriesSalvaged: number
  entriesLost: number
  damage: DamageReport[]
}

/**
 * Walk every segment, frame by frame, and classify each byte as readable or
 * damaged; past damage, resynchronise on the next frame whose CRC checks out.
 * Shared by `trellis inspect` (report only) and `trellis repair`.
 */
export async function walkSegments(
  dir: string,
  visit: ((segmentId: number, entry: Buffer, soul: string) => void | Promise<void>) | undefined,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
): Promise<RepairReport & { ids: number[]; sizes: Map<number, number> }> {
  const ids = (await readdir(dir))
    .map(parseSegmentName)
    .filter((id): id is number => id !== undefined)
    .sort((a, b) => a - b)
  const sizes = new Map<number, number>()
  let total = 0
  for (const id of ids) {
    const size = (await stat(join(dir, segmentName(id)))).size
    sizes.set(id, size)
    total += size
  }
  const report = { segments: ids.length, entriesSalvaged: 0, entriesLost: 0, damage: [] as DamageReport[], ids, sizes }
  let done = 0
  for (const id of ids) {
    const name = segmentName(id)
    const size = sizes.get(id) ?? 0
    // Whole-segment reads: segments are bounded by segmentBytes and this is offline work.
    const buf = Buffer.allocUnsafe(size)
    const handle = await open(join(dir, name), 'r')
    try {
      await readFully(handle, buf, 0)
    } finally {
      await handle.close()
    }
    let at = SEGMENT_HEADER
    if (size < SEGMENT_HEADER || !buf.subarray(0, SEGMENT_HEADER).equals(SEGMENT_MAGIC)) {
      const next = findNextFrame(buf, 0, size)
      report.damage.push({ segment: name, offset: 0, reason: 'bad segment header', skippedBytes: next === -1 ? size : next })
      at = next === -1 ? size : next
    }
    while (at < size) {
      const check = checkFrame(buf, at, size)
      if (!check.ok) {
        // A frame whose length fits in the file: its entries carry their own CRCs, so every entry of it that
        // still verifies is salvaged (a flipped byte costs one entry, not the whole group commit).
        const length = at + FRAME_HEADER <= size ? buf.readUInt32LE(at) : 0
        const frameEnd = length > 0 && at + FRAME_HEADER + length <= size ? at + FRAME_HEADER + length : -1
        let salvaged = 0
        let salvagedBytes = 0
        // A frame cut by the end of the file (or whose length field grew) is searched up to the end of the file.
        if (length > 0 && at + FRAME_HEADER < size) {
          for (const entry of salvageEntries(buf, at + FRAME_HEADER + 1, frameEnd === -1 ? size : frameEnd)) {
            salvaged++
            salvagedBytes += entry.length
            report.entriesSalvaged++
            if (visit !== undefined) await visit(id, buf.subarray(entry.offset, entry.offset + entry.length), entry.soul)
          }
        }
        const next = frameEnd !== -1 && (frameEnd === size || checkFrame(buf, frameEnd, size).ok) ? frameEnd : findNextFrame(buf, at + 1, size)
        const end = next === -1 ? size : next
        const damage: DamageReport = { segment: name, offset: at, reason: check.reason, skippedBytes: end - at - salvagedBytes }
        if (salvaged > 0) damage.entriesSalvaged = salvaged
        report.damage.push(damage)
        if (next === -1) break
        at = next
        continue
      }
      if (check.type === TYPE_ENTRIES) {
        const end = at + check.length
        for (let e = at + FRAME_HEADER + 1; e < end; ) {
          const length = e + ENTRY_HEADER <= end ? ENTRY_HEADER + buf.readUInt32LE(e) : Infinity
          try {
            const body = entryBody(buf, e, end)
            const soul = entrySoul(buf, body.start, body.end)
            report.entriesSalvaged++
            if (visit !== undefined) await visit(id, buf.subarray(e, e + length), soul)
          } catch {
            report.entriesLost++
            report.damage.push({ segment: name, offset: e, reason: 'damaged entry inside a valid frame', skippedBytes: end - e })
            break
          }
          e += length
        }
      }
      at += check.length
      onProgress?.(done + at, total)
    }
    done += size
    onProgress?.(done, total)
  }
  return report
}

/**
 * The entries inside buf[from, end) (the payload of a frame that failed its
 * CRC) whose own CRC verifies and which decode completely. Walks entry by
 * entry; past a damaged one, resynchronises on the next offset where a whole
 * valid entry starts.
 */
function* salvageEntries(buf: Buffer, from: number, end: number): Generator<{ offset: number; length: number; soul: string }> {
  for (let e = from; e + ENTRY_HEADER < end; ) {
    const length = ENTRY_HEADER + buf.readUInt32LE(e)
    if (length > ENTRY_HEADER && e + length <= end) {
      try {
        const body = entryBody(buf, e, e + length)
        // A full decode, not just the CRC: what is kept must be readable.
        const soul = mergeEntryInto(new GraphNode(''), buf, body.start, body.end)
        yield { offset: e, length, soul }
        e += length
        continue
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error
      }
    }
    e++
  }
}

/**
 * `trellis repair`: copy every readable entry into fresh segments, then
 * replace the old segments and drop the hint (the next open rebuilds it).
 * New segments are durable before any old one is deleted, so a crash during
 * repair loses nothing; running it again finishes the job.
 */
export async function repairStore(dir: string, onProgress?: (doneBytes: number, totalBytes: number) => void): Promise<RepairReport> {
  const release = await acquireLock(dir)
  try {
    const existing = (await readdir(dir)).map(parseSegmentName).filter((id): id is number => id !== undefined)
    let nextId = Math.max(0, ...existing) + 1
    const output = createOutput(dir, () => nextId++, 64 * 1024 * 1024)
    let report: RepairReport
    try {
      report = await walkSegments(
        dir,
        (_id, entry, soul) =>
          output.entry(soul, (w) => {
            w.bytes(entry)
            return entry.length
          }),
        onProgress,
      )
      await output.finish()
    } catch (error) {
      await output.abandon()
      throw error
    }
    for (const info of output.infos) await info.handle.close()
    // The hint describes the old layout: remove it first, so no crash leaves a hint naming deleted segments.
    await rm(join(dir, HINT_FILE), { force: true })
    syncDir(dir)
    for (const id of existing) await rm(join(dir, segmentName(id)), { force: true })
    syncDir(dir)
    const journal = await repairPendingJournal(dir)
    for (const d of journal?.damage ?? []) report.damage.push({ segment: PENDING_FILE, ...d })
    return report
  } finally {
    await release()
  }
}
