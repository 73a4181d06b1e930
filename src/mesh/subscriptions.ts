import type { Peer } from './peer.js'

/** What a peer wants pushed of one soul: every key, or only these. */
export type KeyInterest = typeof EVERY_KEY | Set<string>

export const EVERY_KEY = true

/**
 * Who wants pushes for which soul and key, the way a stock AXE relay
 * subscribes a peer when it GETs a soul or one key of it. Kept per soul (for
 * pushing) and per peer (for cleanup when it leaves); bounded in souls per
 * peer, in (peer, soul) entries overall, and in keys per entry — past
 * `maxKeysPerSoul` keys the peer gets the whole soul.
 */
export interface Subscriptions {
  /** Subscribe `peer` to `key` of `soul`, or to all of it when `key` is undefined. False when a bound refused it. */
  add(peer: Peer, soul: string, key?: string): boolean
  of(soul: string): ReadonlyMap<Peer, KeyInterest> | undefined
  removePeer(peer: Peer): void
  souls(): IterableIterator<string>
  readonly soulCount: number
  readonly entryCount: number
}

export function createSubscriptions(maxPerPeer: number, maxEntries: number, maxKeysPerSoul = 64): Subscriptions {
  const bySoul = new Map<string, Map<Peer, KeyInterest>>()
  let entries = 0
  return {
    add(peer, soul, key) {
      const known = peer.subscriptions.has(soul)
      if (!known && (peer.subscriptions.size >= maxPerPeer || entries >= maxEntries)) return false
      let subscribed = bySoul.get(soul)
      if (subscribed === undefined) bySoul.set(soul, (subscribed = new Map()))
      const held = subscribed.get(peer)
      if (key === undefined || held === EVERY_KEY) subscribed.set(peer, EVERY_KEY)
      else if (held === undefined) subscribed.set(peer, new Set([key]))
      else if (held.size >= maxKeysPerSoul) subscribed.set(peer, EVERY_KEY)
      else held.add(key)
      if (!known) {
        peer.subscriptions.add(soul)
        entries++
      }
      return true
    },
    of: (soul) => bySoul.get(soul),
    removePeer(peer) {
      for (const soul of peer.subscriptions) {
        const subscribed = bySoul.get(soul)
        if (subscribed === undefined) continue
        if (subscribed.delete(peer)) entries--
        if (subscribed.size === 0) bySoul.delete(soul)
      }
      peer.subscriptions.clear()
    },
    souls: () => bySoul.keys(),
    get soulCount() {
      return bySoul.size
    },
    get entryCount() {
      return entries
    },
  }
}
