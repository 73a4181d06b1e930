import { randomId } from './ids.js'
import { CLOSE_SELF } from './link.js'
import type { LinksContext, MeshLinks } from './mesh-role.js'
import { field, stringField } from './message.js'

/**
 * The `?` handshake of a client mesh (client-role.ts): learn each link's pid, drop a link that
 * reached this very process (Gun's DAM self-detection), answer greetings. A client has no peer
 * roles to prove and no second link to a relay to drop: that is relay-links.ts, the relay's.
 */
export function createClientLinks(context: LinksContext): MeshLinks {
  const { pid, maxIdChars, send, closePeer, eventsOf } = context
  return {
    greet: () => JSON.stringify({ '#': randomId(), dam: '?', pid }),
    hearGreeting(msg, id, peer) {
      const theirPid = stringField(msg, 'pid')
      if (theirPid !== undefined && theirPid.length <= maxIdChars) {
        peer.pid ??= theirPid
        if (theirPid === pid) {
          closePeer(peer, CLOSE_SELF, 'connected to self')
          eventsOf(peer)?.onSelf?.()
          return
        }
      }
      // Answers are never answered (two meshes would otherwise answer each other forever).
      if (field(msg, '@') === undefined) send(peer, { '#': randomId(), dam: '?', pid, '@': id })
    },
    hearVouch: () => {},
    detached: () => {},
    closedByThem: () => {},
    dialling: () => {},
    duplicateLinksClosed: 0,
    relayLinksProven: 0,
    relayProofsFailed: 0,
  }
}
