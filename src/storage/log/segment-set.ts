import { readSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/** One open segment file. `size` is the committed length: bytes past it are not (yet) part of the log. */
export interface SegmentInfo {
  id: number
  handle: FileHandle
  size: number
  sealed: boolean
}

/**
 * The open segments, by id, and the reads against them. Reads are
 * synchronous, so a segment retired by compaction has no read in flight and
 * its file is closed at once; a reader holding an old location finds the
 * segment gone and retries from the index.
 */
export function createSegmentSet(initialNextId: number) {
  const segments = new Map<number, SegmentInfo>()
  const retired: FileHandle[] = []
  let nextId = initialNextId

  const closeRetired = () => {
    while (retired.length > 0)
      void retired
        .pop()
        ?.close()
        .catch(() => undefined)
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
      closeRetired()
    },
    totalBytes(): number {
      let total = 0
      for (const s of segments.values()) total += s.size
      return total
    },
    /**
     * Read `length` bytes at `offset` of segment `id`; undefined when the
     * segment is gone (the caller retries from the index). A synchronous
     * pread: records are small and almost always in the page cache, where
     * it costs microseconds, while a trip through libuv's four-thread pool
     * costs tens of them and queues behind other I/O (LMDB's page faults
     * block the same way).
     */
    read(id: number, offset: number, length: number): Buffer | undefined {
      const info = segments.get(id)
      if (info === undefined) return undefined
      const buf = Buffer.allocUnsafe(length)
      let done = 0
      while (done < length) {
        const bytesRead = readSync(info.handle.fd, buf, done, length - done, offset + done)
        if (bytesRead === 0) throw new Error(`short read in segment ${id} at ${offset + done}`)
        done += bytesRead
      }
      return buf
    },
    async closeAll(): Promise<void> {
      for (const info of segments.values()) retired.push(info.handle)
      segments.clear()
      await Promise.all(retired.splice(0).map((h) => h.close().catch(() => undefined)))
    },
  }
}

export type SegmentSet = ReturnType<typeof createSegmentSet>
