import type { Peer } from './peer.js'

/** What a peer wants pushed of one soul: every key, or only these. */
export type KeyInterest = typeof EVERY_KEY | Set<string>

export const EVERY_KEY = true

export interface SubscriptionLimits {
  /** Souls plus keys held for one peer. */
  maxPerPeer: number
  /** Souls plus keys held for all peers. */
  maxEntries: number
  /** Past this many keys of one soul, a peer gets the whole soul. */
  maxKeysPerSoul: number
  /** A longer key subscribes to the whole soul rather than being held. */
  maxKeyChars: number
  /** Characters of souls plus keys held for one peer (Infinity for none). */
  maxBytesPerPeer?: number
  /** Characters of souls plus keys held for all peers (Infinity for none). */
  maxBytes?: number
}

/**
 * Who wants pushes for which soul and key, the way a stock AXE relay
 * subscribes a peer when it GETs a soul or one key of it. Kept per soul (for
 * pushing) and per peer (for cleanup when it leaves). Every soul and key held
 * counts against a per-peer and a global bound, in entries and in bytes
 * (characters of souls and keys: a peer picks them). When a key cannot be held
 * (too many keys of that soul or for that peer, or too long), the peer is
 * subscribed to the whole soul instead: it may get more than it asked for,
 * never less.
 */
export interface Subscriptions {
  /** Subscribe `peer` to `key` of `soul`, or to all of it when `key` is undefined. False when a bound refused the soul. */
  add(peer: Peer, soul: string, key?: string): boolean
  of(soul: string): ReadonlyMap<Peer, KeyInterest> | undefined
  removePeer(peer: Peer): void
  souls(): IterableIterator<string>
  readonly soulCount: number
  readonly entryCount: number
  /** Characters of souls and keys held, over all peers. */
  readonly byteCount: number
}

export function createSubscriptions(limits: SubscriptionLimits): Subscriptions {
  const { maxPerPeer, maxEntries, maxKeysPerSoul, maxKeyChars } = limits
  const maxBytesPerPeer = limits.maxBytesPerPeer ?? Infinity
  const maxBytes = limits.maxBytes ?? Infinity
  const bySoul = new Map<string, Map<Peer, KeyInterest>>()
  let entries = 0
  let bytes = 0
  const used = (peer: Peer) => peer.subscriptions.size + peer.subscribedKeys
  const full = (peer: Peer, adding: number) =>
    used(peer) >= maxPerPeer || entries >= maxEntries || peer.subscribedBytes + adding > maxBytesPerPeer || bytes + adding > maxBytes
  const countBytes = (peer: Peer, n: number) => {
    peer.subscribedBytes += n
    bytes += n
  }
  const countKeys = (peer: Peer, n: number, chars: number) => {
    peer.subscribedKeys += n
    entries += n
    countBytes(peer, chars)
  }

  const widen = (peer: Peer, subscribed: Map<Peer, KeyInterest>, held: KeyInterest | undefined) => {
    if (held instanceof Set) countKeys(peer, -held.size, -charsOf(held))
    subscribed.set(peer, EVERY_KEY)
  }

  return {
    add(peer, soul, key) {
      const known = peer.subscriptions.has(soul)
      if (!known && full(peer, soul.length)) return false
      let subscribed = bySoul.get(soul)
      if (subscribed === undefined) bySoul.set(soul, (subscribed = new Map()))
      if (!known) {
        peer.subscriptions.add(soul)
        entries++
        countBytes(peer, soul.length)
      }
      const held = subscribed.get(peer)
      if (held === EVERY_KEY || (key !== undefined && held?.has(key) === true)) return true
      const holdable = key !== undefined && key.length <= maxKeyChars && !full(peer, key.length) && (held === undefined || held.size < maxKeysPerSoul)
      if (!holdable) widen(peer, subscribed, held)
      else if (held === undefined) {
        subscribed.set(peer, new Set([key]))
        countKeys(peer, 1, key.length)
      } else {
        held.add(key)
        countKeys(peer, 1, key.length)
      }
      return true
    },
    of: (soul) => bySoul.get(soul),
    removePeer(peer) {
      for (const soul of peer.subscriptions) {
        const subscribed = bySoul.get(soul)
        if (subscribed === undefined) continue
        const held = subscribed.get(peer)
        if (held instanceof Set) countKeys(peer, -held.size, -charsOf(held))
        if (subscribed.delete(peer)) {
          entries--
          countBytes(peer, -soul.length)
        }
        if (subscribed.size === 0) bySoul.delete(soul)
      }
      peer.subscriptions.clear()
    },
    souls: () => bySoul.keys(),
    get soulCount() {
      return bySoul.size
    },
    /** Souls plus keys held, over all peers. */
    get entryCount() {
      return entries
    },
    get byteCount() {
      return bytes
    },
  }
}

function charsOf(keys: ReadonlySet<string>): number {
  let n = 0
  for (const key of keys) n += key.length
  return n
}
