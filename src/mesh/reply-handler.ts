import type { MeshContext } from './mesh.js'
import { field, stringField, type WireMessage } from './message.js'
import type { Outbox, OutboxEntry } from './outbox.js'
import type { Peer } from './peer.js'

/**
 * A message answering another (`@`): an ack for our write, data for our
 * read, or a reply to a GET we forwarded — passed back to the asker as it
 * came (no re-serialising; a bare "not found" is not passed back, we say it
 * once for all) and merged here too, as stock relays cache what they relay.
 * Replies to nothing we know of are dropped, as in Gun.
 */
export function createReplyHandler(mesh: MeshContext, outbox: Outbox) {
  const acked = (msg: WireMessage, entry: OutboxEntry) => {
    const err = stringField(msg, 'err')
    if (err !== undefined) return entry.onAck({ err })
    outbox.settle(entry.id)
    entry.onAck({ ok: field(msg, 'ok') ?? true })
  }

  const mergeReply = (put: unknown, peer: Peer, id: string, asker: Peer | undefined): Promise<boolean> => {
    if (asker === undefined) return mesh.merge(put, peer, id)
    mesh.mergingReplies.set(id, asker)
    return mesh.merge(put, peer, id).finally(() => mesh.mergingReplies.delete(id))
  }

  return (msg: WireMessage, ack: string, id: string, peer: Peer, raw: string | undefined): void => {
    const write = outbox.get(ack)
    if (write !== undefined) return acked(msg, write)
    const route = mesh.routes.peek(ack)
    if (route === undefined) return
    const put = field(msg, 'put')
    const last = field(msg, '%') === undefined
    switch (route.kind) {
      case 'publish':
        return acked(msg, route.entry)
      case 'resubscribe':
        if (put !== undefined) void mergeReply(put, peer, id, undefined)
        // Answered: free the route now rather than after its age, so ask-backs never crowd out pending reads.
        if (last) mesh.routes.delete(ack)
        return
      case 'fetch': {
        const counts = last && route.waiting.has(peer)
        if (put === undefined) {
          if (counts) route.answered(peer)
          return
        }
        void mergeReply(put, peer, id, undefined).then(() => {
          if (counts) route.answered(peer)
        })
        return
      }
      case 'forward': {
        // A peer's bare "not found" stays here: another peer may still have it, and the asker hears one
        // "not found" from us once every peer asked has answered without data (route.finish).
        const tellsSomething = put !== undefined || field(msg, 'err') !== undefined
        if (tellsSomething && !route.asker.closed) mesh.sendText(route.asker, raw ?? JSON.stringify(msg))
        if (put !== undefined) {
          route.gotData = true
          void mergeReply(put, peer, id, route.asker)
        }
        if (last && route.waiting.has(peer)) route.answered(peer)
        return
      }
    }
  }
}
