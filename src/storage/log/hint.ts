import { open, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { ByteReader, ByteWriter } from './bytes.js'
import { syncDir } from './segment.js'
import type { SoulIndex } from './soul-index.js'

/**
 * The hint file (Bitcask's name): a snapshot of the index, so start-up
 * loads it and replays only the log written after it.
 *
 *   magic 'TRLSHNT1' | u32 bodyLength | u32 crc32(body) | body
 *   body = varint nextSegmentId
 *        | varint n × (varint segmentId | varint coveredBytes | u8 sealed)
 *        | varint n × varint deletedSegmentId
 *        | varint soulCount × (str soul | varint n × (varint segmentIndex | varint offset | varint length))
 *
 * A segment's first `coveredBytes` are described by the hint; the rest is
 * replayed. `deleted` lists segments a compaction superseded: if a crash
 * left them on disk, start-up finishes the job by deleting them.
 */
export const HINT_FILE = 'index.hint'
const MAGIC = Buffer.from('TRLSHNT1', 'latin1')
const HEADER = MAGIC.length + 8

export interface CoveredSegment {
  id: number
  covered: number
  sealed: boolean
}

export interface HintMeta {
  nextSegmentId: number
  segments: CoveredSegment[]
  deleted: number[]
}

/**
 * Serialise the index restricted to the covered bytes and write the hint
 * atomically (temp file, fsync, rename, fsync dir). Yields to the event loop
 * every few thousand souls so writers keep going; fragments appended
 * meanwhile lie past the covered bytes and are left to replay.
 */
export async function writeHint(dir: string, index: SoulIndex, meta: HintMeta): Promise<number> {
  const coveredBy = new Map<number, number>()
  meta.segments.forEach((s, i) => coveredBy.set(s.id, i))
  const limits = meta.segments.map((s) => s.covered)
  const head = new ByteWriter(1024)
  head.varint(meta.nextSegmentId)
  head.varint(meta.segments.length)
  for (const s of meta.segments) {
    head.varint(s.id)
    head.varint(s.covered)
    head.u8(s.sealed ? 1 : 0)
  }
  head.varint(meta.deleted.length)
  for (const id of meta.deleted) head.varint(id)

  const soulParts: Buffer[] = []
  let body = new ByteWriter(1 << 20)
  let soulCount = 0
  let sinceYield = 0
  const frags: number[] = []
  for (const [soul, first] of index.heads) {
    frags.length = 0
    for (let slot = first; slot !== -1; slot = index.next[slot]) {
      const segIndex = coveredBy.get(index.seg[slot])
      if (segIndex === undefined || index.off[slot] >= limits[segIndex]) continue
      frags.push(segIndex, index.off[slot], index.len[slot])
    }
    if (frags.length > 0) {
      soulCount++
      body.str(soul)
      body.varint(frags.length / 3)
      // Stored oldest-first so loading rebuilds the chain in the same order.
      for (let i = frags.length - 3; i >= 0; i -= 3) {
        body.varint(frags[i])
        body.varint(frags[i + 1])
        body.varint(frags[i + 2])
      }
    }
    if (body.pos > 1 << 24) {
      soulParts.push(body.buf.subarray(0, body.pos))
      body = new ByteWriter(1 << 20)
    }
    if (++sinceYield === 20000) {
      sinceYield = 0
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  soulParts.push(body.buf.subarray(0, body.pos))
  const count = new ByteWriter(16)
  count.varint(soulCount)
  const ordered = [head.buf.subarray(0, head.pos), count.buf.subarray(0, count.pos), ...soulParts]

  let length = 0
  let crc = 0
  for (const part of ordered) {
    length += part.length
    crc = crc32(part, crc)
  }
  const header = Buffer.allocUnsafe(HEADER)
  MAGIC.copy(header, 0)
  header.writeUInt32LE(length, MAGIC.length)
  header.writeUInt32LE(crc, MAGIC.length + 4)

  const path = join(dir, HINT_FILE)
  const tmp = `${path}.tmp`
  const handle = await open(tmp, 'w')
  try {
    await handle.writev([header, ...ordered])
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(tmp, path)
  syncDir(dir)
  return HEADER + length
}

export interface LoadedHint extends HintMeta {
  souls: number
}

/**
 * Load a hint into an empty index. Returns undefined when there is no hint;
 * throws when it is damaged (the caller then replays the whole log).
 */
export async function loadHint(dir: string, index: SoulIndex, onSoul?: (soul: string) => void): Promise<LoadedHint | undefined> {
  let buf: Buffer
  try {
    buf = await readFile(join(dir, HINT_FILE))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  if (buf.length < HEADER || !buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('bad hint header')
  const length = buf.readUInt32LE(MAGIC.length)
  if (HEADER + length !== buf.length) throw new Error('hint length mismatch')
  if (crc32(buf.subarray(HEADER)) !== buf.readUInt32LE(MAGIC.length + 4)) throw new Error('hint CRC mismatch')
  const r = new ByteReader(buf, HEADER, buf.length)
  const nextSegmentId = r.varint()
  const segments: CoveredSegment[] = []
  for (let n = r.varint(); n > 0; n--) segments.push({ id: r.varint(), covered: r.varint(), sealed: r.u8() === 1 })
  const deleted: number[] = []
  for (let n = r.varint(); n > 0; n--) deleted.push(r.varint())
  const souls = r.varint()
  index.reserve(souls)
  const segs: number[] = []
  const offs: number[] = []
  const lens: number[] = []
  for (let s = 0; s < souls; s++) {
    const soul = r.str()
    const n = r.varint()
    for (let i = 0; i < n; i++) {
      const seg = segments[r.varint()]
      if (seg === undefined) throw new Error('hint names an unknown segment')
      segs[i] = seg.id
      offs[i] = r.varint()
      lens[i] = r.varint()
    }
    index.addChain(soul, segs, offs, lens, n)
    if (onSoul !== undefined) onSoul(soul)
  }
  if (r.pos !== buf.length) throw new Error('hint has trailing bytes')
  return { nextSegmentId, segments, deleted, souls }
}
