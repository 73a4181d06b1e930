import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { TrellisError } from '../../core/errors.js'
import type { PendingJournal, PendingWrite } from '../../core/storage-contract.js'
import type { Value } from '../../core/types.js'
import { sync, truncateTo, writeAll } from './fd-io.js'
import type { HealthTracker } from './health.js'
import type { Logger } from './recovery.js'
import { syncDir } from './segment.js'

/**
 * The pending journal: future-state writes the engine acknowledged before
 * they fell due. A small append-only file of its own (not the main log: its
 * records die young, and compaction of the main log must not have to know
 * about them):
 *
 *   "TRLPND\0\1", then frames: u32 payloadLength | u32 crc32(payload) | payload
 *   payload = u8 type | UTF-8 JSON
 *     type 1 ADD:    [[id, soul, key, value, state], ...]
 *     type 2 REMOVE: [id, ...]
 *
 * JSON is enough here (values are null, booleans, finite numbers, strings and
 * links; JSON.stringify escapes lone surrogates, so strings round-trip).
 * The file is rewritten with only the live records when garbage dominates.
 * Reading it treats a torn tail as the main log does: a short frame or zeros
 * at the end are an interrupted append (never acknowledged) and are cut; a
 * complete frame failing its CRC is corruption and refuses to open.
 */
export const PENDING_FILE = 'pending.journal'
const MAGIC = Buffer.from('TRLPND\x00\x01', 'latin1')
const HEADER = 8
const ADD = 1
const REMOVE = 2
/** Below this the file is never rewritten. */
const REWRITE_MIN_BYTES = 64 * 1024

export interface PendingJournalOptions {
  dir: string
  readOnly: boolean
  durability: 'fsync' | 'relaxed'
  logger: Logger
  health: HealthTracker
}

export interface LogPendingJournal extends PendingJournal {
  /** Writes held, and bytes of journal file (for stats). */
  readonly size: number
  readonly fileBytes: number
  /** Close the journal's file. */
  close(): Promise<void>
}

interface Queued {
  frame: Buffer
  type: number
  writes: PendingWrite[] | undefined
  ids: readonly string[] | undefined
  resolve(): void
  reject(error: unknown): void
}

export async function openPendingJournal(options: PendingJournalOptions): Promise<LogPendingJournal> {
  const { dir, readOnly, logger, health } = options
  const path = join(dir, PENDING_FILE)
  const live = new Map<string, { write: PendingWrite; bytes: number }>()
  let liveBytes = 0
  let size = 0
  let handle: FileHandle | undefined
  let closed = false
  let broken: unknown
  let flushing = false
  let queue: Queued[] = []
  let idle: Array<() => void> = []

  const loaded = await readJournal(dir, logger, readOnly)
  if (loaded !== undefined) {
    for (const [id, write] of loaded.writes) {
      const bytes = encodedBytes(write)
      live.set(id, { write, bytes })
      liveBytes += bytes
    }
    size = loaded.end
    if (!readOnly) handle = await open(path, 'r+')
  }

  const apply = (item: Queued) => {
    if (item.writes !== undefined) {
      for (const write of item.writes) {
        const bytes = encodedBytes(write)
        liveBytes += bytes - (live.get(write.id)?.bytes ?? 0)
        live.set(write.id, { write, bytes })
      }
    }
    if (item.ids !== undefined) {
      for (const id of item.ids) {
        const held = live.get(id)
        if (held === undefined) continue
        liveBytes -= held.bytes
        live.delete(id)
      }
    }
  }

  async function ensureFile(): Promise<FileHandle> {
    if (handle !== undefined) return handle
    const fresh = await writeFresh(dir, [])
    handle = fresh.handle
    size = fresh.size
    return handle
  }

  async function flush(): Promise<void> {
    if (flushing) return
    flushing = true
    try {
      while (queue.length > 0 && broken === undefined) {
        const items = queue
        queue = []
        const bytes = Buffer.concat(items.map((i) => i.frame))
        const needSync = options.durability === 'fsync' && items.some((i) => i.type === ADD)
        let at = size
        try {
          const fd = (await ensureFile()).fd
          at = size
          await writeAll(fd, bytes, at)
          if (needSync) await sync(fd)
        } catch (error) {
          // Cut back to the last good end (disk full leaves a part of the frames), so later appends are clean.
          try {
            if (handle !== undefined) await truncateTo(handle.fd, at)
            health.failed(error)
          } catch (undoError) {
            broken = undoError
            health.failed(undoError)
          }
          const failure = new TrellisError('STORAGE', `Write to ${path} failed, nothing of it was stored: ${(error as Error).message}`, path)
          for (const item of items) item.reject(failure)
          continue
        }
        size = at + bytes.length
        health.succeeded()
        for (const item of items) {
          apply(item)
          item.resolve()
        }
        if (size > REWRITE_MIN_BYTES && size > 2 * (liveBytes + HEADER + 64)) await rewrite()
      }
    } finally {
      flushing = false
      if (broken !== undefined) {
        const failure = new TrellisError('STORAGE', `The pending journal ${path} failed and the store must be reopened: ${(broken as Error).message}`, path)
        for (const item of queue.splice(0)) item.reject(failure)
      }
      if (queue.length === 0) for (const done of idle.splice(0)) done()
      else void flush()
    }
  }

  /** Replace the file by one holding only the live records (garbage dominated). Failure keeps the old file, which is still right. */
  async function rewrite(): Promise<void> {
    const writes = [...live.values()].map((l) => l.write)
    try {
      const fresh = await writeFresh(dir, writes)
      const old = handle
      handle = fresh.handle
      size = fresh.size
      await old?.close().catch(() => undefined)
    } catch (error) {
      logger.warn(`trellis: could not rewrite the pending journal ${path}: ${(error as Error).message}`)
    }
  }

  function enqueue(type: number, frame: Buffer, writes: PendingWrite[] | undefined, ids: readonly string[] | undefined): Promise<void> {
    if (closed) return Promise.reject(new TrellisError('CLOSED', 'Storage is closed'))
    if (readOnly) return Promise.reject(new TrellisError('STORAGE', `${dir} is open read-only`))
    if (broken !== undefined)
      return Promise.reject(
        new TrellisError('STORAGE', `The pending journal ${path} failed and the store must be reopened: ${(broken as Error).message}`, path),
      )
    return new Promise<void>((resolve, reject) => {
      queue.push({ frame, type, writes, ids, resolve, reject })
      void flush()
    })
  }

  return {
    add(writes) {
      if (writes.length === 0) return Promise.resolve()
      let copies: PendingWrite[]
      try {
        copies = writes.map(checkedCopy)
      } catch (error) {
        return Promise.reject(error)
      }
      return enqueue(ADD, frameOf(ADD, copies.map(record)), copies, undefined)
    },
    remove(ids) {
      const known = ids.filter((id) => live.has(id))
      if (known.length === 0 && !flushing && queue.length === 0) return Promise.resolve()
      return enqueue(REMOVE, frameOf(REMOVE, [...ids]), undefined, [...ids])
    },
    async list() {
      return [...live.values()].map((l) => copyWrite(l.write))
    },
    get size() {
      return live.size
    },
    get fileBytes() {
      return size
    },
    async close() {
      if (closed) return
      if (flushing || queue.length > 0) await new Promise<void>((done) => idle.push(done))
      closed = true
      idle = []
      await handle?.close()
      handle = undefined
    },
  }
}

/** What `trellis repair` did to the journal. */
export interface PendingRepair {
  damage: Array<{ offset: number; reason: string; skippedBytes: number }>
  writes: number
}

/**
 * Salvage the journal: keep every frame whose CRC verifies (resynchronising
 * past damage on the next valid frame) and rewrite the file from them.
 * With `rewrite: false` (inspect) only report.
 */
export async function repairPendingJournal(dir: string, rewrite = true): Promise<PendingRepair | undefined> {
  const path = join(dir, PENDING_FILE)
  const buf = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (buf === undefined) return undefined
  const damage: PendingRepair['damage'] = []
  const writes = new Map<string, PendingWrite>()
  let at = HEADER
  if (buf.length < HEADER || !buf.subarray(0, HEADER).equals(MAGIC)) {
    at = nextFrame(buf, 0)
    damage.push({ offset: 0, reason: 'bad journal header', skippedBytes: at === -1 ? buf.length : at })
  }
  while (at !== -1 && at < buf.length) {
    const frame = checkFrame(buf, at)
    let applied = false
    if (frame.ok) {
      try {
        applyFrame(writes, frame.type, buf.subarray(frame.start, frame.end))
        applied = true
      } catch {
        // A frame whose CRC verifies but whose content does not parse: damage like any other.
      }
    }
    if (applied && frame.ok) {
      at = frame.end
      continue
    }
    const next = nextFrame(buf, at + 1)
    damage.push({ offset: at, reason: frame.ok ? 'unreadable records' : frame.reason, skippedBytes: (next === -1 ? buf.length : next) - at })
    at = next
  }
  if (rewrite) await (await writeFresh(dir, [...writes.values()])).handle.close()
  return { damage, writes: writes.size }
}

async function readJournal(dir: string, logger: Logger, readOnly: boolean): Promise<{ writes: Map<string, PendingWrite>; end: number } | undefined> {
  const path = join(dir, PENDING_FILE)
  const buf = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (buf === undefined) return undefined
  if (buf.length < HEADER) {
    // Creation is atomic (temp file, rename), so this is not a torn write.
    throw corruptJournal(dir, 0, `file is ${buf.length} bytes, shorter than its header`)
  }
  if (!buf.subarray(0, HEADER).equals(MAGIC)) throw corruptJournal(dir, 0, 'bad journal header')
  const writes = new Map<string, PendingWrite>()
  let at = HEADER
  while (at < buf.length) {
    const frame = checkFrame(buf, at)
    if (!frame.ok) {
      const torn = nextFrame(buf, at + 1) === -1 && (frame.short || allZero(buf, at))
      if (!torn) throw corruptJournal(dir, at, frame.reason)
      logger.warn(
        `trellis: ${path}: torn tail at offset ${at} (${buf.length - at} bytes, ${frame.reason}) from an interrupted write; ${readOnly ? 'ignored (read-only)' : 'truncated'}`,
      )
      if (!readOnly) {
        const handle = await open(path, 'r+')
        try {
          await handle.truncate(at)
          await handle.sync()
        } finally {
          await handle.close()
        }
      }
      break
    }
    try {
      applyFrame(writes, frame.type, buf.subarray(frame.start, frame.end))
    } catch (error) {
      throw corruptJournal(dir, at, `unreadable records (${(error as Error).message})`)
    }
    at = frame.end
  }
  return { writes, end: at }
}

type Frame = { ok: true; type: number; start: number; end: number } | { ok: false; reason: string; short: boolean }

function checkFrame(buf: Buffer, at: number): Frame {
  if (at + HEADER > buf.length) return { ok: false, reason: 'partial frame header', short: true }
  const length = buf.readUInt32LE(at)
  if (length === 0) return { ok: false, reason: 'bad frame length 0', short: false }
  const start = at + HEADER
  const end = start + length
  if (end > buf.length) {
    // A short frame is torn, unless what is there matches its CRC (then its length field is what was damaged).
    const lengthDamaged = crc32(buf.subarray(start)) === buf.readUInt32LE(at + 4)
    return { ok: false, reason: lengthDamaged ? 'frame length field damaged' : 'frame extends past end of file', short: !lengthDamaged }
  }
  if (crc32(buf.subarray(start, end)) !== buf.readUInt32LE(at + 4)) return { ok: false, reason: 'CRC mismatch', short: false }
  const type = buf[start]
  if (type !== ADD && type !== REMOVE) return { ok: false, reason: `unknown record type ${type}`, short: false }
  return { ok: true, type, start: start + 1, end }
}

function nextFrame(buf: Buffer, from: number): number {
  for (let at = from; at + HEADER < buf.length; at++) if (checkFrame(buf, at).ok) return at
  return -1
}

function allZero(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false
  return true
}

function applyFrame(writes: Map<string, PendingWrite>, type: number, json: Buffer): void {
  const parsed: unknown = JSON.parse(json.toString('utf8'))
  if (!Array.isArray(parsed)) throw new Error('not a list')
  if (type === ADD) {
    for (const r of parsed) {
      const write = parseRecord(r)
      writes.set(write.id, write)
    }
  } else {
    for (const id of parsed) {
      if (typeof id !== 'string') throw new Error('an id is not a string')
      writes.delete(id)
    }
  }
}

type RecordTuple = [string, string, string, Value, number]

function record(w: PendingWrite): RecordTuple {
  return [w.id, w.soul, w.key, w.value, w.state]
}

function parseRecord(r: unknown): PendingWrite {
  if (!Array.isArray(r) || r.length !== 5) throw new Error('a record is not a 5-tuple')
  const [id, soul, key, raw, state] = r as unknown[]
  if (typeof id !== 'string' || typeof soul !== 'string' || typeof key !== 'string') throw new Error('a record has a non-string id, soul or key')
  if (typeof state !== 'number' || !Number.isFinite(state)) throw new Error('a record has a bad state')
  return { id, soul, key, value: parseValue(raw), state }
}

function parseValue(raw: unknown): Value {
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'string') return raw
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw
  if (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1 && Object.hasOwn(raw, '#')) {
    const soul = (raw as Record<string, unknown>)['#']
    if (typeof soul === 'string') return { '#': soul }
  }
  throw new Error('a record has a bad value')
}

/** A copy the caller cannot change afterwards, with values the journal can hold. */
function checkedCopy(w: PendingWrite): PendingWrite {
  const copy = copyWrite(w)
  try {
    parseValue(copy.value)
    if (typeof copy.id !== 'string' || typeof copy.soul !== 'string' || typeof copy.key !== 'string' || !Number.isFinite(copy.state))
      throw new Error('bad fields')
  } catch {
    throw new TrellisError(
      'INVALID_DATA',
      `Pending write ${String(w.id)} (${String(w.soul)}.${String(w.key)}) cannot be journaled: bad id, soul, key, value or state`,
      `${String(w.soul)}.${String(w.key)}`,
    )
  }
  return copy
}

function copyWrite(w: PendingWrite): PendingWrite {
  const value = w.value !== null && typeof w.value === 'object' ? { '#': (w.value as { '#': string })['#'] } : w.value
  return { id: w.id, soul: w.soul, key: w.key, value, state: w.state }
}

/** Roughly the bytes a record takes in the file (for the garbage ratio). */
function encodedBytes(w: PendingWrite): number {
  return 32 + w.id.length + w.soul.length + w.key.length + (typeof w.value === 'string' ? w.value.length : 24)
}

function frameOf(type: number, payload: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(payload), 'utf8')
  const frame = Buffer.allocUnsafe(HEADER + 1 + json.length)
  frame[HEADER] = type
  json.copy(frame, HEADER + 1)
  frame.writeUInt32LE(json.length + 1, 0)
  frame.writeUInt32LE(crc32(frame.subarray(HEADER)), 4)
  return frame
}

/**
 * Write a journal holding `writes` under a temp name, fsync, rename over the
 * old one, fsync the directory. Returns the new file's handle, opened before
 * the rename, so appends can never go to a file the rename replaced.
 */
async function writeFresh(dir: string, writes: PendingWrite[]): Promise<{ handle: FileHandle; size: number }> {
  const path = join(dir, PENDING_FILE)
  const tmp = `${path}.tmp`
  const parts: Buffer[] = [MAGIC]
  if (writes.length > 0) parts.push(frameOf(ADD, writes.map(record)))
  const bytes = Buffer.concat(parts)
  let handle: FileHandle | undefined
  try {
    handle = await open(tmp, 'w+')
    await handle.writeFile(bytes)
    await handle.sync()
    await rename(tmp, path)
  } catch (error) {
    await handle?.close().catch(() => undefined)
    await rm(tmp, { force: true }).catch(() => undefined)
    throw error
  }
  syncDir(dir)
  return { handle, size: bytes.length }
}

function corruptJournal(dir: string, offset: number, reason: string): TrellisError {
  const path = join(dir, PENDING_FILE)
  return new TrellisError(
    'STORAGE',
    `Corrupt record in pending journal ${path} at offset ${offset}: ${reason}. Refusing to open; run \`trellis repair ${dir}\` to salvage every readable record`,
    path,
  )
}
