import { read } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/** One open segment file. `size` is the committed length: bytes past it are not (yet) part of the log. */
export interface SegmentInfo {
  id: number
  handle: FileHandle
  size: number
  sealed: boolean
}

/**
 * The open segments, by id, and the reads against them. A segment removed by
 * compaction may still have reads in flight (they captured a location before
 * the swap), so its file is closed only once no read is outstanding.
 */
export function createSegmentSet(initialNextId: number) {
  const segments = new Map<number, SegmentInfo>()
  const retired: FileHandle[] = []
  let inFlight = 0
  let nextId = initialNextId

  const closeRetired = () => {
    while (retired.length > 0) void retired.pop()?.close().catch(() => undefined)
  }

  return {
    segments,
    allocateId(): number {
      return nextId++
    },
    get nextId(): number {
      return nextId
    },
    add(info: SegmentInfo): void {
      segments.set(info.id, info)
      if (info.id >= nextId) nextId = info.id + 1
    },
    get(id: number): SegmentInfo | undefined {
      return segments.get(id)
    },
    retire(id: number): void {
      const info = segments.get(id)
      if (info === undefined) return
      segments.delete(id)
      retired.push(info.handle)
      if (inFlight === 0) closeRetired()
    },
    totalBytes(): number {
      let total = 0
      for (const s of segments.values()) total += s.size
      return total
    },
    /** Read `length` bytes at `offset` of segment `id`; undefined when the segment is gone (the caller retries from the index). */
    read(id: number, offset: number, length: number): Promise<Buffer | undefined> {
      const info = segments.get(id)
      if (info === undefined) return Promise.resolve(undefined)
      const fd = info.handle.fd
      const buf = Buffer.allocUnsafe(length)
      inFlight++
      return new Promise<Buffer | undefined>((resolve, reject) => {
        let done = 0
        const step = () =>
          read(fd, buf, done, length - done, offset + done, (error, bytesRead) => {
            if (error === null && bytesRead > 0 && done + bytesRead < length) {
              done += bytesRead
              step()
              return
            }
            if (--inFlight === 0) closeRetired()
            if (error !== null) reject(error)
            else if (bytesRead === 0) reject(new Error(`short read in segment ${id} at ${offset + done}`))
            else resolve(buf)
          })
        step()
      })
    },
    async closeAll(): Promise<void> {
      for (const info of segments.values()) retired.push(info.handle)
      segments.clear()
      await Promise.all(retired.splice(0).map((h) => h.close().catch(() => undefined)))
    },
  }
}

export type SegmentSet = ReturnType<typeof createSegmentSet>
