import type { Peer } from './peer.js'

/**
 * Who wants pushes for which soul, the way a stock AXE relay subscribes a
 * peer when it GETs a soul. Kept per soul (for pushing) and per peer (for
 * cleanup when it leaves); bounded per peer and in total.
 */
export interface Subscriptions {
  /** False when a bound refused it. */
  add(peer: Peer, soul: string): boolean
  of(soul: string): ReadonlySet<Peer> | undefined
  removePeer(peer: Peer): void
  souls(): IterableIterator<string>
  readonly soulCount: number
  readonly entryCount: number
}

export function createSubscriptions(maxPerPeer: number, maxEntries: number): Subscriptions {
  const bySoul = new Map<string, Set<Peer>>()
  let entries = 0
  return {
    add(peer, soul) {
      if (peer.subscriptions.has(soul)) return true
      if (peer.subscriptions.size >= maxPerPeer || entries >= maxEntries) return false
      let set = bySoul.get(soul)
      if (set === undefined) bySoul.set(soul, (set = new Set()))
      set.add(peer)
      peer.subscriptions.add(soul)
      entries++
      return true
    },
    of: (soul) => bySoul.get(soul),
    removePeer(peer) {
      for (const soul of peer.subscriptions) {
        const set = bySoul.get(soul)
        if (set === undefined) continue
        if (set.delete(peer)) entries--
        if (set.size === 0) bySoul.delete(soul)
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
