import type { BoundedMap } from './bounded-map.js'
import type { Dedup } from './dedup.js'
import { randomId } from './ids.js'
import type { MeshLimits } from './limits.js'
import type { MeshContext } from './mesh-types.js'
import { putMessageText } from './message.js'
import type { Outbox } from './outbox.js'
import type { Peer } from './peer.js'

export interface OutgoingGreeterParts {
  relay: boolean
  limits: MeshLimits
  interest: BoundedMap<true>
  outbox: Outbox
  dedup: Dedup
  context: Pick<MeshContext, 'routes' | 'subscriptions' | 'send' | 'sendText'>
}

/**
 * What we say on a link we dialled, once it opens: re-ask for everything we read before
 * (and, on a relay, every soul our clients subscribe to), then resend unacknowledged writes.
 */
export function createOutgoingGreeter(parts: OutgoingGreeterParts): (peer: Peer) => void {
  const { relay, limits, interest, outbox, dedup } = parts
  const { routes, subscriptions, send, sendText } = parts.context
  return (peer) => {
    let count = 0
    for (const soul of interest.keys()) {
      if (count++ >= limits.maxResubscribe) break
      const id = randomId()
      routes.set(id, { kind: 'resubscribe' })
      peer.asked.add(soul)
      send(peer, { '#': id, get: { '#': soul } })
    }
    if (relay) {
      for (const soul of subscriptions.souls()) {
        if (count++ >= limits.maxResubscribe) break
        if (peer.asked.has(soul)) continue
        const id = randomId()
        routes.set(id, { kind: 'resubscribe' })
        peer.asked.add(soul)
        send(peer, { '#': id, get: { '#': soul } })
      }
    }
    for (const entry of outbox.entries()) {
      const id = randomId()
      routes.set(id, { kind: 'publish', entry })
      dedup.track(id)
      sendText(peer, putMessageText(id, entry.putText))
    }
  }
}
