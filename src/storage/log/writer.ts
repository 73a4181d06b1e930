import { open, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { GraphNode } from '../../core/node.js'
import { TrellisError } from '../../core/errors.js'
import { ByteWriter } from './bytes.js'
import { encodeEntry } from './codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, TYPE_ENTRIES, finishFrame, sealFrame } from './frame.js'
import { sync, truncateTo, writeAll } from './fd-io.js'
import type { HealthTracker } from './health.js'
import { createSegmentFile, segmentName } from './segment.js'
import type { SegmentInfo, SegmentSet } from './segment-set.js'

/** A batch of puts that will become one frame, one write and one fsync. */
export interface Batch {
  w: ByteWriter
  /** Per entry: soul, offset inside the frame, length. */
  souls: string[]
  offsets: number[]
  lengths: number[]
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>
}

export interface WriterOptions {
  dir: string
  segments: SegmentSet
  active: SegmentInfo
  durability: 'fsync' | 'relaxed'
  segmentBytes: number
  /** In relaxed mode, how often dirty data is fsynced anyway. */
  relaxedSyncMs: number
  /** Refuse a put of `bytes` more; returns the error to reject with. */
  admit(bytes: number, queued: number): TrellisError | undefined
  /** The batch is durable at `frameOffset` of segment `segmentId`: publish it (index, cache). Must not throw. */
  committed(batch: Batch, segmentId: number, frameOffset: number): void
  /** A write or fsync failed in a way that leaves the log state unknown. */
  failed(error: unknown): void
  /** Told of every commit that reached the disk, and of every one that did not (disk full, I/O error). */
  health: HealthTracker
}

/** A failure while undoing a failed write: the file's state is unknown, so the store must be reopened. */
class UndoFailed extends Error {}

/**
 * Group commit. Puts encode into the open batch synchronously (so callers may
 * reuse their nodes at once, and a bad value rejects before anything is
 * queued); one flush loop writes a batch as one frame, fsyncs it, publishes
 * it, then resolves every put in it. Puts arriving while an fsync is in
 * progress form the next batch, so the fsync cost is shared by everything
 * that arrives concurrently.
 */
const BATCH_BUFFER_BYTES = 64 * 1024
const MAX_SPARE_BYTES = 1024 * 1024
const SEAL_BYTES = sealFrame().length

export function createWriter(options: WriterOptions) {
  const { dir, segments, durability, segmentBytes } = options
  let active = options.active
  // The buffer of the last committed batch, kept for the next one: a fresh 64 KiB buffer per commit
  // (one per write under light load) is external memory that makes V8 run full collections — the
  // multi-millisecond pauses behind a relay's latency tail.
  let spare: ByteWriter | undefined
  let batch = newBatch()
  let inFlightBytes = 0
  let commits = 0
  let scheduled = false
  let flushing = false
  let broken: unknown
  let dirty = false
  const rollWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void; force: boolean }> = []
  const idleWaiters: Array<() => void> = []

  const syncTimer =
    durability === 'relaxed'
      ? setInterval(() => {
          if (dirty && !flushing) {
            dirty = false
            sync(active.handle.fd).catch((error: unknown) => options.health.failed(error))
          }
        }, options.relaxedSyncMs)
      : undefined
  syncTimer?.unref()

  function newBatch(): Batch {
    const w = spare ?? new ByteWriter(BATCH_BUFFER_BYTES)
    spare = undefined
    w.pos = FRAME_HEADER
    w.u8(TYPE_ENTRIES)
    return { w, souls: [], offsets: [], lengths: [], waiters: [] }
  }

  function schedule(): void {
    if (scheduled || flushing) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      void flush()
    })
  }

  async function flush(): Promise<void> {
    if (flushing) return
    flushing = true
    try {
      for (;;) {
        if (broken !== undefined) break
        // Rolls first: under a steady stream of writes the batch is never empty, and compaction must not starve.
        if (rollWaiters.length > 0) {
          const waiters = rollWaiters.splice(0)
          try {
            if (active.size > SEGMENT_HEADER || waiters.some((w) => w.force)) await roll()
            for (const w of waiters) w.resolve()
          } catch (error) {
            for (const w of waiters) w.reject(error)
            if (error instanceof UndoFailed) throw error
            options.health.failed(error)
          }
        } else if (batch.waiters.length > 0) {
          await commit()
          // Let the callers just acknowledged run their continuations (often their next put) before the next batch is cut: fuller batches, fewer fsyncs.
          await new Promise<void>((resolve) => setImmediate(resolve))
        } else break
      }
    } catch (error) {
      fail(error)
    } finally {
      flushing = false
      if (batch.waiters.length === 0 && rollWaiters.length === 0) for (const resolve of idleWaiters.splice(0)) resolve()
      else if (broken === undefined) schedule()
    }
  }

  async function commit(): Promise<void> {
    const current = batch
    batch = newBatch()
    const bytes = current.w.pos
    inFlightBytes = bytes
    let at = active.size
    try {
      finishFrame(current.w.buf, 0, bytes)
      if (active.size > SEGMENT_HEADER && active.size + bytes > segmentBytes) await roll()
      at = active.size
      await writeAll(active.handle.fd, current.w.buf, at, bytes)
      if (durability === 'fsync') await sync(active.handle.fd)
      else dirty = true
    } catch (error) {
      inFlightBytes = 0
      if (error instanceof UndoFailed) {
        const failure = new TrellisError('STORAGE', `Storage failed and must be reopened: ${error.message}`)
        for (const w of current.waiters) w.reject(failure)
        throw error
      }
      // Disk full, I/O error: cut the segment back to its last good end (whatever part of the frame landed goes),
      // so the log stays a clean sequence of frames and later commits can succeed once the cause is gone.
      try {
        await truncateTo(active.handle.fd, at)
      } catch (undoError) {
        const failure = new TrellisError(
          'STORAGE',
          `Storage failed and must be reopened: ${(error as Error).message}; undoing it failed: ${(undoError as Error).message}`,
        )
        for (const w of current.waiters) w.reject(failure)
        throw undoError
      }
      options.health.failed(error)
      const failure = new TrellisError('STORAGE', `Write to ${segmentName(active.id)} failed, nothing of it was stored: ${(error as Error).message}`)
      for (const w of current.waiters) w.reject(failure)
      return
    }
    active.size = at + bytes
    commits++
    inFlightBytes = 0
    options.health.succeeded()
    options.committed(current, active.id, at)
    // Written, fsynced and indexed: nothing reads these bytes any more. Oversized buffers are let go.
    if (current.w.buf.length <= MAX_SPARE_BYTES) spare = current.w
    for (const w of current.waiters) w.resolve()
  }

  /**
   * Seal the active segment and open a fresh one. The new segment is created
   * first, so a failure (disk full) at any step leaves the active segment as
   * it was and unsealed: the caller's batch is refused, the store goes on.
   */
  async function roll(): Promise<void> {
    const id = segments.allocateId()
    const path = join(dir, segmentName(id))
    await createSegmentFile(dir, id)
    let handle: FileHandle | undefined
    try {
      handle = await open(path, 'r+')
      const seal = sealFrame()
      try {
        await writeAll(active.handle.fd, seal, active.size)
        await sync(active.handle.fd)
      } catch (error) {
        await truncateTo(active.handle.fd, active.size).catch((undoError: unknown) => {
          throw new UndoFailed(`sealing ${segmentName(active.id)} failed (${(error as Error).message}) and so did undoing it: ${(undoError as Error).message}`)
        })
        throw error
      }
    } catch (error) {
      await handle?.close().catch(() => undefined)
      await rm(path, { force: true }).catch(() => undefined)
      throw error
    }
    active.size += SEAL_BYTES
    active.sealed = true
    active = { id, handle, size: SEGMENT_HEADER, sealed: false }
    segments.add(active)
  }

  function fail(error: unknown): void {
    broken = error
    options.health.failed(error)
    const failure = new TrellisError('STORAGE', `Storage failed and must be reopened: ${(error as Error).message}`)
    for (const w of batch.waiters) w.reject(failure)
    for (const w of rollWaiters.splice(0)) w.reject(failure)
    batch = newBatch()
    options.failed(error)
  }

  return {
    get active(): SegmentInfo {
      return active
    },
    /** Bytes accepted but not yet durable. */
    get queuedBytes(): number {
      return inFlightBytes + batch.w.pos - FRAME_HEADER - 1
    },
    /** Encode and queue one atomic put; resolves once it is durable (per the durability mode). */
    put(nodes: readonly GraphNode[]): Promise<void> {
      if (broken !== undefined) return Promise.reject(new TrellisError('STORAGE', `Storage failed and must be reopened: ${(broken as Error).message}`))
      const w = batch.w
      const start = w.pos
      const count = batch.souls.length
      try {
        for (const node of nodes) {
          const offset = w.pos
          const length = encodeEntry(w, node)
          batch.souls.push(node.soul)
          batch.offsets.push(offset)
          batch.lengths.push(length)
        }
      } catch (error) {
        w.pos = start
        batch.souls.length = batch.offsets.length = batch.lengths.length = count
        return Promise.reject(error)
      }
      const refusal = options.admit(w.pos - start, inFlightBytes + start)
      if (refusal !== undefined) {
        w.pos = start
        batch.souls.length = batch.offsets.length = batch.lengths.length = count
        return Promise.reject(refusal)
      }
      return new Promise<void>((resolve, reject) => {
        batch.waiters.push({ resolve, reject })
        schedule()
      })
    },
    /**
     * Seal the active segment once queued writes are out (compaction's cut-off). An empty active segment
     * is kept unless `force` (after compaction: the active segment must again have the highest id, which
     * the change feed relies on to not resend compaction outputs on every pass).
     */
    roll(force = false): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        rollWaiters.push({ resolve, reject, force })
        schedule()
      })
    },
    /** Resolves when nothing is queued or being written. */
    idle(): Promise<void> {
      if (!flushing && !scheduled && batch.waiters.length === 0 && rollWaiters.length === 0) return Promise.resolve()
      return new Promise<void>((resolve) => idleWaiters.push(resolve))
    },
    /** Stop the relaxed-mode timer and make everything written durable. */
    async stop(): Promise<void> {
      if (syncTimer !== undefined) clearInterval(syncTimer)
      if (broken === undefined && dirty) await sync(active.handle.fd)
    },
    /** Frames written (each one write and, in fsync mode, one fsync). */
    get commits(): number {
      return commits
    },
    get broken(): unknown {
      return broken
    },
  }
}

export type Writer = ReturnType<typeof createWriter>
