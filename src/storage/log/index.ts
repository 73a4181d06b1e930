import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { GraphNode } from '../../core/node.js'
import { NODE_OVERHEAD } from '../../core/memory-bound.js'
import { TrellisError } from '../../core/errors.js'
import type { ChangePage, KeyRange, StorageAdapter, StorageHealth } from '../../core/storage-contract.js'
import { DecodeError } from './bytes.js'
import { createNodeCache } from './cache.js'
import { entryBody, entrySoul, mergeEntrySized } from './codec.js'
import { compact as runCompaction, type CompactionResult } from './compaction.js'
import { readChanges } from './feed.js'
import { FRAME_HEADER, SEGMENT_HEADER } from './frame.js'
import { writeHint, type CoveredSegment } from './hint.js'
import { createSortedSouls } from './lex.js'
import { sliceNode } from '../slice-node.js'
import { HealthTracker } from './health.js'
import { acquireLock } from './lock.js'
import { openPendingJournal, type LogPendingJournal } from './pending.js'
import { corrupt, recover, type Logger } from './recovery.js'
import { createSegmentFile, segmentName } from './segment.js'
import { createSegmentSet, type SegmentInfo } from './segment-set.js'
import { createWriter, type Batch } from './writer.js'

export type { Logger } from './recovery.js'
export type { CompactionResult } from './compaction.js'
export type { LogPendingJournal } from './pending.js'

/** Options of `createLogStorage`. */
export interface LogStorageOptions {
  /** Directory holding the segments, the hint file and the lock. Created when missing. */
  dir: string
  /**
   * 'fsync' (default): a put resolves only after its bytes are fsynced.
   * 'relaxed': a put resolves once written to the OS; survives a process
   * crash but not a power loss, and data is fsynced every `relaxedSyncMs`.
   */
  durability?: 'fsync' | 'relaxed'
  relaxedSyncMs?: number
  /** Roll to a new segment past this size. Default 64 MiB. */
  segmentBytes?: number
  /** Decoded nodes kept in the LRU cache. Default 50 000. */
  cacheNodes?: number
  /**
   * Estimated bytes of the decoded nodes kept in the LRU cache (the engine's
   * estimate, src/core/memory-bound.ts). Default 64 MiB: 50 000 typical nodes
   * of a few short keys fit in it, so for them the count stays the bound that
   * matters, while big nodes cannot pile up. A node over it is not cached.
   */
  cacheBytes?: number
  /** Refuse writes that would take the segments past this many bytes. */
  quotaBytes?: number
  /** Write a new hint after this many bytes of log. Default 64 MiB. */
  snapshotBytes?: number
  /** Compact in the background when garbage passes `compactGarbageRatio` of at least `compactMinBytes` on disk. Default true. */
  autoCompact?: boolean
  compactGarbageRatio?: number
  compactMinBytes?: number
  /** Tombstone retention: null values older than this are dropped by compaction. Default Infinity (kept forever, as Gun does). */
  tombstoneTtlMs?: number
  /** Open without writing anything: no lock, no repairs, puts reject. For inspect/export. */
  readOnly?: boolean
  logger?: Logger
}

/** Sizes of the log's index, segments, cache and pending journal. */
export interface LogStorageStats {
  souls: number
  /** Entries referenced by the index; more than `souls` means some nodes are spread over several entries. */
  fragments: number
  segments: number
  diskBytes: number
  /** Bytes of the oldest entry of every soul: an estimate of what compaction keeps. */
  liveBytes: number
  garbageBytes: number
  garbageRatio: number
  cachedNodes: number
  /** Estimated bytes of the cached nodes (bound: `cacheBytes`). */
  cachedBytes: number
  /** Bytes accepted by put() but not yet durable. */
  queuedBytes: number
  /** Group commits so far: one write and (in fsync mode) one fsync each. */
  commits: number
  compactions: number
  compacting: boolean
  /** Future-state writes held in the pending journal, and the journal's size on disk. */
  pendingWrites: number
  pendingFileBytes: number
}

export interface LogStorage extends StorageAdapter {
  getNow(soul: string): GraphNode | undefined
  readonly pending: LogPendingJournal
  health(): StorageHealth
  probe(): Promise<void>
  changes(since: string | undefined, maxBytes: number): Promise<ChangePage>
  /** Index, segment and cache sizes, for metrics and `trellis inspect`. */
  stats(): LogStorageStats
  /** Merge all sealed segments now (writers keep going). */
  compact(options?: { onProgress?(doneBytes: number, totalBytes: number): void }): Promise<CompactionResult>
  /** Write the index snapshot (hint file) now. */
  snapshot(): Promise<void>
  readonly dir: string
}

/** Default `cacheBytes` (see there). */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024

const defaultLogger: Logger = { warn: (message) => process.stderr.write(`${message}\n`) }

/** Open (or create) a log-structured store in `options.dir`, recovering from whatever a crash left. */
export async function createLogStorage(options: LogStorageOptions): Promise<LogStorage> {
  const dir = options.dir
  const readOnly = options.readOnly ?? false
  const logger = options.logger ?? defaultLogger
  const segmentBytes = Math.min(options.segmentBytes ?? 64 * 1024 * 1024, 0xffffffff - 1024)
  const snapshotBytes = options.snapshotBytes ?? 64 * 1024 * 1024
  const quotaBytes = options.quotaBytes
  const autoCompact = (options.autoCompact ?? true) && !readOnly
  const compactGarbageRatio = options.compactGarbageRatio ?? 0.5
  const compactMinBytes = options.compactMinBytes ?? segmentBytes
  const tombstoneTtlMs = options.tombstoneTtlMs ?? Infinity

  if (!readOnly) await mkdir(dir, { recursive: true })
  const release = readOnly ? async () => undefined : await acquireLock(dir)

  const cache = createNodeCache(options.cacheNodes ?? 50_000, options.cacheBytes ?? DEFAULT_CACHE_BYTES)
  const health = new HealthTracker()
  const durability = options.durability ?? 'fsync'
  let recovered
  let pending: LogPendingJournal
  try {
    recovered = await recover({ dir, readOnly, logger })
    try {
      pending = await openPendingJournal({ dir, readOnly, durability, logger, health })
    } catch (error) {
      await Promise.all(recovered.segments.map((s) => s.handle.close().catch(() => undefined)))
      throw error
    }
  } catch (error) {
    await release()
    throw error
  }
  /** The last put refused by the quota, while no commit has succeeded since: the store is full by policy. */
  let quotaRefusal: { error: string; since: number } | undefined
  const index = recovered.index
  const sortedSouls = createSortedSouls(() => index.heads.keys())
  const segments = createSegmentSet(recovered.nextSegmentId)
  for (const info of recovered.segments) segments.add(info)
  const pendingDeleted = recovered.deleted

  // Append to the newest segment if it is unsealed and has room, else start a fresh one. Only the newest:
  // the change feed (feed.ts) relies on the active segment having the highest id outside a compaction.
  const newest = recovered.segments.reduce<SegmentInfo | undefined>((a, b) => (a === undefined || b.id > a.id ? b : a), undefined)
  let active: SegmentInfo | undefined = newest !== undefined && !newest.sealed && newest.size < segmentBytes ? newest : undefined
  if (active === undefined) {
    if (readOnly) active = { id: -1, handle: undefined as never, size: SEGMENT_HEADER, sealed: false }
    else {
      const id = segments.allocateId()
      await createSegmentFile(dir, id)
      active = { id, handle: await open(join(dir, segmentName(id)), 'r+'), size: SEGMENT_HEADER, sealed: false }
      segments.add(active)
    }
  }

  let closed = false
  let diskBytes = segments.totalBytes()
  let bytesSinceHint = recovered.replayedBytes + (recovered.hint === undefined && index.souls > 0 ? 1 : 0)
  let compactions = 0
  /** Compactions running or queued. */
  let compactionsQueued = 0
  let snapshotting = false
  let maintenance: Promise<unknown> = Promise.resolve()

  const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
    const run = maintenance.then(task, task)
    maintenance = run.catch(() => undefined)
    return run
  }

  const writer = createWriter({
    dir,
    segments,
    active,
    durability,
    segmentBytes,
    health,
    relaxedSyncMs: options.relaxedSyncMs ?? 1000,
    admit(bytes, queued) {
      if (quotaBytes === undefined) return undefined
      const after = diskBytes + queued + bytes + 2 * FRAME_HEADER + 2
      if (after <= quotaBytes) return undefined
      const refusal = new TrellisError(
        'QUOTA',
        `Storage quota exceeded: writing ${bytes} bytes would bring ${dir} to ${after} bytes, over the quota of ${quotaBytes}; nothing was written`,
        dir,
      )
      quotaRefusal = { error: refusal.message, since: quotaRefusal?.since ?? Date.now() }
      return refusal
    },
    committed,
    failed(error) {
      logger.warn(`trellis: storage in ${dir} failed and refuses further writes: ${(error as Error).message}`)
    },
  })

  function committed(batch: Batch, segmentId: number, frameOffset: number): void {
    quotaRefusal = undefined
    const buf = batch.w.buf
    for (let i = 0; i < batch.souls.length; i++) {
      const soul = batch.souls[i]
      const offset = batch.offsets[i]
      const length = batch.lengths[i]
      const isNew = index.add(soul, segmentId, frameOffset + offset, length)
      // A cached node stays current; a node not cached is not decoded into the cache here: the writer
      // (the engine) holds what it just wrote in memory, so that would be a second copy paid on every commit.
      const cached = cache.peek(soul)
      if (cached !== undefined) cache.grow(soul, mergeEntrySized(cached, buf, offset + 8, offset + length))
      if (isNew) sortedSouls.added(soul)
    }
    diskBytes = segments.totalBytes()
    bytesSinceHint += batch.w.pos
    if (bytesSinceHint >= snapshotBytes && !snapshotting && compactionsQueued === 0 && !closed) {
      // Flag it now, not when the task gets the maintenance lock, so commits in between do not queue more.
      snapshotting = true
      void background(() => snapshot())
    }
    if (autoCompact && compactionsQueued === 0 && !closed && diskBytes >= compactMinBytes) {
      const live = index.fragmentBytes - index.extraBytes
      if ((diskBytes - live) / diskBytes >= compactGarbageRatio) void background(() => compact())
    }
  }

  const background = (task: () => Promise<unknown>) =>
    task().catch((error: unknown) => {
      if (!closed) logger.warn(`trellis: background maintenance of ${dir} failed: ${(error as Error).message}`)
    })

  const ensureOpen = () => {
    if (closed) throw new TrellisError('CLOSED', 'Storage is closed')
  }

  function hintMeta(exclude: ReadonlySet<number>): { nextSegmentId: number; segments: CoveredSegment[] } {
    const covered: CoveredSegment[] = []
    for (const s of segments.segments.values()) if (!exclude.has(s.id)) covered.push({ id: s.id, covered: s.size, sealed: s.sealed })
    return { nextSegmentId: segments.nextId, segments: covered }
  }

  function snapshot(): Promise<void> {
    return exclusive(async () => {
      if (readOnly) return
      try {
        const meta = hintMeta(new Set())
        const since = bytesSinceHint
        await writeHint(dir, index, { ...meta, deleted: pendingDeleted })
        bytesSinceHint -= since
      } finally {
        snapshotting = false
      }
    })
  }

  function compact(opts?: { onProgress?(doneBytes: number, totalBytes: number): void }): Promise<CompactionResult> {
    if (readOnly) return Promise.reject(new TrellisError('STORAGE', `${dir} is open read-only`))
    // One at a time; a compaction asked for while another runs starts after it, so it covers everything written up to now.
    compactionsQueued++
    return exclusive(async () => {
      try {
        const result = await runCompaction({
          dir,
          index,
          segments,
          writer,
          segmentBytes,
          tombstoneTtlMs,
          onProgress: opts?.onProgress,
          aborted: () => closed,
          async writeHint(deleted) {
            const meta = hintMeta(new Set(deleted))
            const since = bytesSinceHint
            await writeHint(dir, index, { ...meta, deleted: [...pendingDeleted, ...deleted] })
            bytesSinceHint -= since
          },
        })
        if (result.tombstonesDropped > 0) cache.clear()
        // The outputs have ids above the active segment: roll past them (see feed.ts).
        if (result.outputs.length > 0 && !closed) {
          // Not fatal when it fails (disk full): the feed is still correct, only resends more until the next roll.
          await writer.roll(true).catch((error: unknown) => logger.warn(`trellis: rolling ${dir} after compaction failed: ${(error as Error).message}`))
        }
        diskBytes = segments.totalBytes()
        compactions++
        return result
      } finally {
        compactionsQueued--
      }
    })
  }

  function cachedNode(soul: string): GraphNode | undefined {
    let node = cache.get(soul)
    if (node === undefined) {
      const read = readNode(soul)
      if (read === undefined) return undefined
      node = read.node
      cache.set(soul, node, read.bytes)
    }
    return node
  }

  /**
   * A node merged from its fragments, with its estimated bytes (counted while decoding, not by a rescan).
   * Synchronous: reads are preads that hit the page cache (see segment-set).
   */
  function readNode(soul: string): { node: GraphNode; bytes: number } | undefined {
    const head = index.head(soul)
    if (head === undefined) return undefined
    const node = new GraphNode(soul)
    let bytes = NODE_OVERHEAD + 2 * soul.length
    for (let slot = head; slot !== -1; slot = index.next[slot]) {
      const seg = index.seg[slot]
      const off = index.off[slot]
      // Compaction swaps locations only between our turns, and we never yield here, so a segment is never missing.
      const buf = segments.read(seg, off, index.len[slot]) as Buffer
      try {
        const body = entryBody(buf, 0, buf.length)
        if (entrySoul(buf, body.start, body.end) !== soul) throw new DecodeError('entry names another soul')
        bytes += mergeEntrySized(node, buf, body.start, body.end)
      } catch (error) {
        if (error instanceof DecodeError) throw corrupt(dir, segmentName(seg), off, error.message)
        throw error
      }
    }
    return { node, bytes }
  }

  /** Room under the quota for a small write (what probe() checks besides the disk). */
  const PROBE_BYTES = 4096
  const quotaFull = () => quotaBytes !== undefined && diskBytes + writer.queuedBytes + PROBE_BYTES > quotaBytes

  let probing: Promise<void> | undefined
  async function runProbe(): Promise<void> {
    ensureOpen()
    if (readOnly) return
    if (writer.broken !== undefined) throw new TrellisError('STORAGE', `Storage failed and must be reopened: ${(writer.broken as Error).message}`, dir)
    // A small durable write beside the log: what a commit needs (space, a working disk), without touching the log.
    const path = join(dir, 'probe.tmp')
    try {
      const handle = await open(path, 'w')
      try {
        await handle.write(Buffer.alloc(PROBE_BYTES), 0, PROBE_BYTES, 0)
        await handle.datasync()
        await handle.truncate(0)
      } finally {
        await handle.close()
      }
      await rm(path, { force: true })
    } catch (error) {
      await rm(path, { force: true }).catch(() => undefined)
      health.failed(error)
      throw new TrellisError('STORAGE', `Storage probe in ${dir} failed: ${(error as Error).message}`, dir)
    }
    health.succeeded()
    if (quotaRefusal !== undefined) {
      if (quotaFull()) throw new TrellisError('QUOTA', quotaRefusal.error, dir)
      quotaRefusal = undefined
    }
  }

  return {
    dir,
    pending,
    health() {
      if (writer.broken === undefined && !health.ok) return health.get()
      if (writer.broken !== undefined) {
        const h = health.get()
        return { ok: false, error: `storage failed and must be reopened: ${(writer.broken as Error).message}`, since: h.since ?? Date.now() }
      }
      if (quotaRefusal !== undefined) return { ok: false, error: quotaRefusal.error, since: quotaRefusal.since }
      return { ok: true }
    },
    probe() {
      // Single flight: readiness checks that overlap share one probe.
      probing ??= runProbe().finally(() => (probing = undefined))
      return probing
    },
    async get(soul: string, range?: KeyRange) {
      ensureOpen()
      const node = cachedNode(soul)
      if (node === undefined) return undefined
      return range === undefined ? node.clone() : sliceNode(node, range)
    },
    getNow(soul: string) {
      ensureOpen()
      return cachedNode(soul)?.clone()
    },
    async put(nodes: readonly GraphNode[]) {
      ensureOpen()
      if (readOnly) throw new TrellisError('STORAGE', `${dir} is open read-only`)
      if (nodes.length === 0) return
      return writer.put(nodes)
    },
    async souls(range?: KeyRange) {
      ensureOpen()
      return sortedSouls.query(range)
    },
    async changes(since: string | undefined, maxBytes: number) {
      ensureOpen()
      return readChanges({ dir, segments, active: () => (readOnly ? (active as SegmentInfo) : writer.active) }, since, maxBytes)
    },
    async close() {
      if (closed) return
      closed = true
      if (!readOnly) {
        await writer.idle()
        await maintenance
        await writer.stop()
        if (writer.broken === undefined && bytesSinceHint > 0) {
          await writeHint(dir, index, { ...hintMeta(new Set()), deleted: pendingDeleted }).catch((error: unknown) =>
            logger.warn(`trellis: could not write the hint for ${dir}: ${(error as Error).message}`),
          )
        }
      }
      await pending.close()
      cache.clear()
      await segments.closeAll()
      await release()
    },
    stats() {
      const live = index.fragmentBytes - index.extraBytes
      return {
        souls: index.souls,
        fragments: index.fragments,
        segments: segments.segments.size,
        diskBytes,
        liveBytes: live,
        garbageBytes: Math.max(0, diskBytes - live),
        garbageRatio: diskBytes === 0 ? 0 : Math.max(0, diskBytes - live) / diskBytes,
        cachedNodes: cache.size,
        cachedBytes: cache.bytes,
        queuedBytes: readOnly ? 0 : writer.queuedBytes,
        commits: readOnly ? 0 : writer.commits,
        compactions,
        compacting: compactionsQueued > 0,
        pendingWrites: pending.size,
        pendingFileBytes: pending.fileBytes,
      }
    },
    compact(opts) {
      ensureOpen()
      return compact(opts)
    },
    snapshot() {
      ensureOpen()
      return snapshot()
    },
  }
}
