import type { Ack } from '../core/engine-types.js'

/**
 * What tabs of one database say to each other on the leader channel
 * (`<channel>:leader`, see tab-leader.ts). Every tab hears every message;
 * `to` names the one a reply is for, and only the leader takes `put`/`get`.
 */
export type TabMessage =
  /** A tab started: whoever leads, say so. */
  | { t: 'hello' }
  /** The leader names itself and how many relays it is connected to (sent on take-over, on `hello`, and on every change). */
  | { t: 'leader'; tab: string; peers: number }
  /** A follower's write for the relay: the wire `put` text, under the follower's write id. */
  | { t: 'put'; from: string; id: string; put: string }
  /** The relay's answer to a follower's write. */
  | { t: 'ack'; to: string; id: string; ack: Ack }
  /** A follower's read: ask the relay for `soul` (or one key of it). */
  | { t: 'get'; from: string; id: string; soul: string; key?: string }
  /** The answer: the node as the leader now holds it (wire `put` text; none when it has nothing), and whether the relay answered. */
  | { t: 'got'; to: string; id: string; put?: string; synced: boolean }

const isString = (value: unknown): value is string => typeof value === 'string'

/** The message, when `data` is one of ours (other scripts of the origin may post on the same channel). */
export function asTabMessage(data: unknown): TabMessage | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const m = data as Record<string, unknown>
  switch (m.t) {
    case 'hello':
      return { t: 'hello' }
    case 'leader':
      return isString(m.tab) && typeof m.peers === 'number' ? { t: 'leader', tab: m.tab, peers: m.peers } : undefined
    case 'put':
      return isString(m.from) && isString(m.id) && isString(m.put) ? { t: 'put', from: m.from, id: m.id, put: m.put } : undefined
    case 'ack':
      return isString(m.to) && isString(m.id) && typeof m.ack === 'object' && m.ack !== null ? { t: 'ack', to: m.to, id: m.id, ack: asAck(m.ack) } : undefined
    case 'get':
      return isString(m.from) && isString(m.id) && isString(m.soul) && (m.key === undefined || isString(m.key))
        ? { t: 'get', from: m.from, id: m.id, soul: m.soul, key: m.key }
        : undefined
    case 'got':
      return isString(m.to) && isString(m.id) && (m.put === undefined || isString(m.put))
        ? { t: 'got', to: m.to, id: m.id, put: m.put, synced: m.synced === true }
        : undefined
    default:
      return undefined
  }
}

/** Only Gun's ack fields travel between tabs. */
function asAck(value: object): Ack {
  const given = value as Record<string, unknown>
  const ack: Ack = {}
  if (given.ok !== undefined) ack.ok = given.ok
  if (isString(given.err)) ack.err = given.err
  if (given.lack === true) ack.lack = true
  return ack
}
