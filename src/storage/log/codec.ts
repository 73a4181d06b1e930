import { crc32 } from 'node:zlib'
import { GraphNode } from '../../core/node.js'
import { wins } from '../../core/ham.js'
import { TrellisError, describeType } from '../../core/errors.js'
import type { Value } from '../../core/types.js'
import { KEY_OVERHEAD, valueBytes } from '../../core/memory-bound.js'
import { ByteReader, DecodeError, type ByteWriter } from './bytes.js'

/**
 * One node entry: the diff of one soul inside a record.
 *
 *   u32 bodyLength | u32 crc32(body) | body
 *   body = str soul | varint keyCount | keyCount × (str key | u8 tag | [f64 state] | value)
 *
 * Entries carry their own CRC because reads fetch a single entry by its index
 * location, without the surrounding frame. The tag's low three bits give the
 * value type; bit 3 says "same state as the previous key of this entry",
 * which is the common case (one put stamps all its keys with one state) and
 * saves eight bytes per key.
 */
export const ENTRY_HEADER = 8

const T_NULL = 0
const T_FALSE = 1
const T_TRUE = 2
const T_INT = 3
const T_F64 = 4
const T_STR = 5
const T_LINK = 6
const SAME_STATE = 8

/** Append the entry for `node`; returns its byte length. Throws TrellisError on values or states Gun cannot hold. */
export function encodeEntry(w: ByteWriter, node: GraphNode): number {
  const start = w.pos
  w.ensure(ENTRY_HEADER)
  w.pos += ENTRY_HEADER
  const bodyStart = w.pos
  w.str(node.soul)
  const { keys, values, states } = node
  w.varint(keys.length)
  let previousState = NaN
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const state = states[i]
    if (typeof state !== 'number' || Number.isNaN(state)) {
      throw new TrellisError('INVALID_STATE', `Invalid state for ${node.soul}.${key}: ${String(state)}`, `${node.soul}.${key}`)
    }
    w.str(key)
    const same = state === previousState ? SAME_STATE : 0
    previousState = state
    const value = values[i]
    const tagAt = w.pos
    w.u8(0)
    if (same === 0) w.f64(state)
    let tag: number
    switch (typeof value) {
      case 'string':
        tag = T_STR
        w.str(value)
        break
      case 'boolean':
        tag = value ? T_TRUE : T_FALSE
        break
      case 'number':
        if (!Number.isFinite(value)) throw invalidValue(value, node.soul, key)
        if (Number.isInteger(value) && value >= -0x3fffffff && value <= 0x3fffffff && !Object.is(value, -0)) {
          tag = T_INT
          w.varint(value >= 0 ? value * 2 : -value * 2 - 1)
        } else {
          tag = T_F64
          w.f64(value)
        }
        break
      case 'object': {
        if (value === null) {
          tag = T_NULL
          break
        }
        const soul = (value as { '#'?: unknown })['#']
        if (typeof soul !== 'string' || soul === '') throw invalidValue(value, node.soul, key)
        tag = T_LINK
        w.str(soul)
        break
      }
      default:
        throw invalidValue(value, node.soul, key)
    }
    w.buf[tagAt] = tag | same
  }
  const end = w.pos
  w.buf.writeUInt32LE(end - bodyStart, start)
  w.buf.writeUInt32LE(crc32(w.buf.subarray(bodyStart, end)), start + 4)
  return end - start
}

function invalidValue(value: unknown, soul: string, key: string): TrellisError {
  const path = `${soul}.${key}`
  return new TrellisError('INVALID_DATA', `Invalid data: ${describeType(value)} at ${path}`, path)
}

/** Check the entry at `offset` and return its body bounds; throws DecodeError when it is damaged. */
export function entryBody(buf: Buffer, offset: number, end: number): { start: number; end: number } {
  if (offset + ENTRY_HEADER > end) throw new DecodeError('entry header truncated')
  const length = buf.readUInt32LE(offset)
  const start = offset + ENTRY_HEADER
  if (start + length > end) throw new DecodeError('entry body truncated')
  const expected = buf.readUInt32LE(offset + 4)
  if (crc32(buf.subarray(start, start + length)) !== expected) throw new DecodeError('entry CRC mismatch')
  return { start, end: start + length }
}

/** The soul named by an entry whose body starts at `bodyStart`. */
export function entrySoul(buf: Buffer, bodyStart: number, bodyEnd: number): string {
  return new ByteReader(buf, bodyStart, bodyEnd).str()
}

/**
 * Decode the entry body and merge it into `target` by HAM, so fragments of a
 * soul can be merged in any order (log order, compaction order, import).
 * Returns the soul the entry names.
 */
export function mergeEntryInto(target: GraphNode, buf: Buffer, bodyStart: number, bodyEnd: number): string {
  const r = new ByteReader(buf, bodyStart, bodyEnd)
  const soul = r.str()
  mergeKeys(target, r, bodyEnd)
  return soul
}

/**
 * `mergeEntryInto`, returning instead how much the merge changed `target`'s
 * estimated bytes (src/core/memory-bound.ts `nodeBytes`): what the node
 * cache counts, without rescanning the node.
 */
export function mergeEntrySized(target: GraphNode, buf: Buffer, bodyStart: number, bodyEnd: number): number {
  const r = new ByteReader(buf, bodyStart, bodyEnd)
  r.str()
  return mergeKeys(target, r, bodyEnd)
}

/** Decode the keys of an entry body (after its soul) into `target`; returns the estimated byte change. */
function mergeKeys(target: GraphNode, r: ByteReader, bodyEnd: number): number {
  const count = r.varint()
  let state = NaN
  let delta = 0
  for (let i = 0; i < count; i++) {
    const key = r.str()
    const tag = r.u8()
    if ((tag & SAME_STATE) === 0) state = r.f64()
    else if (i === 0) throw new DecodeError('first key reuses a state')
    let value: Value
    switch (tag & 7) {
      case T_NULL:
        value = null
        break
      case T_FALSE:
        value = false
        break
      case T_TRUE:
        value = true
        break
      case T_INT: {
        const z = r.varint()
        value = z % 2 === 0 ? z / 2 : -(z + 1) / 2
        break
      }
      case T_F64:
        value = r.f64()
        break
      case T_STR:
        value = r.str()
        break
      case T_LINK:
        value = { '#': r.str() }
        break
      default:
        throw new DecodeError(`unknown value tag ${tag}`)
    }
    delta += mergeKey(target, key, value, state)
  }
  if (r.pos !== bodyEnd) throw new DecodeError('entry has trailing bytes')
  return delta
}

/** HAM-merge one key into a node; returns how much it changed the node's estimated bytes. */
export function mergeKey(target: GraphNode, key: string, value: Value, state: number): number {
  const i = target.indexOf(key)
  if (i === -1) {
    target.set(key, value, state)
    return KEY_OVERHEAD + 2 * key.length + valueBytes(value)
  }
  const old = target.values[i]
  if (!wins(state, value, target.states[i], old)) return 0
  target.setAt(i, value, state)
  return valueBytes(value) - valueBytes(old)
}

/** Decode a whole entry (header included) into a fresh node. */
export function decodeEntry(buf: Buffer, offset: number, end: number): GraphNode {
  const body = entryBody(buf, offset, end)
  const node = new GraphNode(entrySoul(buf, body.start, body.end))
  mergeEntryInto(node, buf, body.start, body.end)
  return node
}
