import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { GraphNode } from '../../core/node.js'
import { ENTRY_HEADER, encodeEntry, entryBody, entrySoul, mergeEntryInto } from './codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, TYPE_ENTRIES } from './frame.js'
import { createOutput } from './output.js'
import { corrupt } from './recovery.js'
import { scanSegment, segmentName, syncDir } from './segment.js'
import type { SegmentSet } from './segment-set.js'
import type { SoulIndex } from './soul-index.js'
import type { Writer } from './writer.js'

export interface CompactionContext {
  dir: string
  index: SoulIndex
  segments: SegmentSet
  writer: Writer
  segmentBytes: number
  /** Tombstones (null values) whose state is older than this many ms are dropped; Infinity keeps them forever. */
  tombstoneTtlMs: number
  /** Write the hint for the new layout, recording `deleted` as superseded. */
  writeHint(deleted: number[]): Promise<void>
  onProgress?(doneBytes: number, totalBytes: number): void
  /** True when the store is closing: give up, leaving the inputs in place. */
  aborted(): boolean
}

/** What one compaction did: the segments it read and wrote, and the bytes before and after. */
export interface CompactionResult {
  /** Numbers of the segments compacted. */
  inputs: number[]
  /** Numbers of the segments written in their place. */
  outputs: number[]
  bytesBefore: number
  bytesAfter: number
  /** Tombstones dropped under the retention policy. */
  tombstonesDropped: number
}

/** Keys held in memory while merging souls whose fragments are spread across segments; past it, partial merges are written. */
const PENDING_KEYS_BUDGET = 1_000_000

/**
 * Merge every sealed segment into fresh ones holding one merged entry per
 * soul (HAM decides each key), then swap them in.
 *
 * Writers never wait: the active segment is sealed first and new writes go to
 * a new one, which compaction does not touch. Crash safety comes from the
 * order of effects: outputs are written under temp names and fsynced, then
 * renamed; a new hint naming the inputs as superseded is made durable; only
 * then are the inputs deleted. A crash before the hint leaves inputs and
 * outputs both on disk — the same data twice, which HAM merges to the same
 * node — and a crash after it makes start-up finish the deletion.
 */
export async function compact(ctx: CompactionContext): Promise<CompactionResult> {
  const { dir, index, segments, writer } = ctx
  await writer.roll()
  const activeId = writer.active.id
  const inputs = [...segments.segments.values()].filter((s) => s.id !== activeId).sort((a, b) => a.id - b.id)
  const inputIds = new Set(inputs.map((s) => s.id))
  const bytesBefore = inputs.reduce((sum, s) => sum + s.size, 0)
  const result: CompactionResult = { inputs: [...inputIds], outputs: [], bytesBefore, bytesAfter: 0, tombstonesDropped: 0 }
  if (inputs.length === 0) return result

  const isInput = (seg: number) => inputIds.has(seg)
  const tombstoneCutoff = ctx.tombstoneTtlMs === Infinity ? -Infinity : Date.now() - ctx.tombstoneTtlMs
  const output = createOutput(dir, () => segments.allocateId(), ctx.segmentBytes)
  const pending = new Map<string, { node: GraphNode; remaining: number }>()
  let pendingKeys = 0
  let doneBytes = 0
  let sinceYield = 0

  const emit = async (node: GraphNode) => {
    if (tombstoneCutoff !== -Infinity) {
      const kept = new GraphNode(node.soul)
      for (let i = 0; i < node.keys.length; i++) {
        if (node.values[i] === null && node.states[i] < tombstoneCutoff) result.tombstonesDropped++
        else kept.set(node.keys[i], node.values[i], node.states[i])
      }
      node = kept
    }
    await output.entry(node.soul, (w) => encodeEntry(w, node))
  }

  try {
    for (const input of inputs) {
      if (ctx.aborted()) throw new Error('compaction aborted: store closing')
      const name = segmentName(input.id)
      const scan = await scanSegment(input.handle, input.size, SEGMENT_HEADER, async (buf, start, end, fileOffset, type) => {
        if (type !== TYPE_ENTRIES) return
        for (let at = start + FRAME_HEADER + 1; at < end; ) {
          const length = ENTRY_HEADER + buf.readUInt32LE(at)
          let body: { start: number; end: number }
          let soul: string
          try {
            body = entryBody(buf, at, end)
            soul = entrySoul(buf, body.start, body.end)
          } catch (error) {
            throw corrupt(dir, name, fileOffset + (at - start), (error as Error).message)
          }
          let held = pending.get(soul)
          if (held === undefined) {
            let fragments = 0
            for (let slot = index.head(soul) ?? -1; slot !== -1; slot = index.next[slot]) if (isInput(index.seg[slot])) fragments++
            if (fragments <= 1 && tombstoneCutoff === -Infinity) {
              // The soul's only fragment among the inputs: copy its bytes, no decode needed.
              const raw = buf.subarray(at, at + length)
              await output.entry(soul, (w) => {
                w.bytes(raw)
                return length
              })
              at += length
              continue
            }
            held = { node: new GraphNode(soul), remaining: Math.max(fragments, 1) }
            pending.set(soul, held)
          }
          const before = held.node.size
          mergeEntryInto(held.node, buf, body.start, body.end)
          pendingKeys += held.node.size - before
          if (--held.remaining === 0) {
            pending.delete(soul)
            pendingKeys -= held.node.size
            await emit(held.node)
          }
          at += length
          if (++sinceYield === 5000) {
            sinceYield = 0
            await new Promise<void>((resolve) => setImmediate(resolve))
          }
        }
        if (pendingKeys > PENDING_KEYS_BUDGET) {
          // Bound memory: write what is merged so far; the rest of each soul merges into a second entry.
          for (const held of pending.values()) {
            await emit(held.node)
            held.node = new GraphNode(held.node.soul)
          }
          pendingKeys = 0
        }
        ctx.onProgress?.(doneBytes + (fileOffset + end - start), bytesBefore)
      })
      if (scan.damage !== undefined) throw corrupt(dir, name, scan.damage.offset, scan.damage.reason)
      doneBytes += input.size
      ctx.onProgress?.(doneBytes, bytesBefore)
    }
    for (const held of pending.values()) await emit(held.node)
    pending.clear()
    await output.finish()
  } catch (error) {
    await output.abandon()
    throw error
  }

  // Swap, synchronously so no read or write interleaves with a half-swapped index.
  for (const info of output.infos) segments.add(info)
  const { souls, seg, off, len } = output.locations
  for (let i = 0; i < souls.length; i++) {
    const soul = souls[i]
    let hasInput = false
    for (let slot = index.head(soul) ?? -1; slot !== -1; slot = index.next[slot]) {
      if (isInput(index.seg[slot])) {
        hasInput = true
        break
      }
    }
    if (hasInput) index.replace(soul, isInput, [[seg[i], off[i], len[i]]])
    else index.add(soul, seg[i], off[i], len[i])
  }
  index.recount()
  result.outputs = output.infos.map((s) => s.id)
  result.bytesAfter = output.infos.reduce((sum, s) => sum + s.size, 0)

  await ctx.writeHint(result.inputs)
  for (const id of result.inputs) {
    segments.retire(id)
    await rm(join(dir, segmentName(id)), { force: true })
  }
  syncDir(dir)
  return result
}
