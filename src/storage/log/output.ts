import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { ByteWriter } from './bytes.js'
import { FRAME_HEADER, SEGMENT_HEADER, SEGMENT_MAGIC, TYPE_ENTRIES, finishFrame, sealFrame } from './frame.js'
import { segmentName, syncDir } from './segment.js'
import type { SegmentInfo } from './segment-set.js'

const OUTPUT_FRAME_BYTES = 1 << 20

/** Compaction's (and repair's) output: sealed segments written under temp names, renamed into place by finish(). */
export function createOutput(dir: string, allocateId: () => number, segmentBytes: number) {
  const infos: SegmentInfo[] = []
  const locations = { souls: [] as string[], seg: [] as number[], off: [] as number[], len: [] as number[] }
  let current: { id: number; handle: FileHandle; size: number } | undefined
  const tmpPaths: string[] = []
  let frame = newFrame()
  let frameSouls: string[] = []
  let frameOffsets: number[] = []
  let frameLengths: number[] = []

  function newFrame(): ByteWriter {
    const w = new ByteWriter(OUTPUT_FRAME_BYTES + 64 * 1024)
    w.pos = FRAME_HEADER
    w.u8(TYPE_ENTRIES)
    return w
  }

  async function open_(): Promise<NonNullable<typeof current>> {
    const id = allocateId()
    const path = join(dir, `${segmentName(id)}.tmp`)
    tmpPaths.push(path)
    const handle = await open(path, 'w+')
    await handle.write(SEGMENT_MAGIC, 0, SEGMENT_HEADER, 0)
    return { id, handle, size: SEGMENT_HEADER }
  }

  async function flushFrame(): Promise<void> {
    if (frameSouls.length === 0) return
    if (current === undefined) current = await open_()
    finishFrame(frame.buf, 0, frame.pos)
    await current.handle.write(frame.buf, 0, frame.pos, current.size)
    for (let i = 0; i < frameSouls.length; i++) {
      locations.souls.push(frameSouls[i])
      locations.seg.push(current.id)
      locations.off.push(current.size + frameOffsets[i])
      locations.len.push(frameLengths[i])
    }
    current.size += frame.pos
    frame = newFrame()
    frameSouls = []
    frameOffsets = []
    frameLengths = []
    if (current.size >= segmentBytes) await closeSegment()
  }

  async function closeSegment(): Promise<void> {
    if (current === undefined) return
    const seal = sealFrame()
    await current.handle.write(seal, 0, seal.length, current.size)
    current.size += seal.length
    await current.handle.sync()
    infos.push({ id: current.id, handle: current.handle, size: current.size, sealed: true })
    current = undefined
  }

  return {
    infos,
    locations,
    async entry(soul: string, write: (w: ByteWriter) => number): Promise<void> {
      const offset = frame.pos
      const length = write(frame)
      frameSouls.push(soul)
      frameOffsets.push(offset)
      frameLengths.push(length)
      if (frame.pos >= OUTPUT_FRAME_BYTES) await flushFrame()
    },
    async finish(): Promise<void> {
      await flushFrame()
      await closeSegment()
      for (const info of infos) {
        const path = join(dir, segmentName(info.id))
        await rename(`${path}.tmp`, path)
      }
      syncDir(dir)
    },
    async abandon(): Promise<void> {
      if (current !== undefined) infos.push({ id: current.id, handle: current.handle, size: current.size, sealed: false })
      for (const info of infos) await info.handle.close().catch(() => undefined)
      for (const path of tmpPaths) await rm(path, { force: true })
      infos.length = 0
    },
  }
}
