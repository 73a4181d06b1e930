import type { GraphNode } from '../core/node.js'
import { parseWireGraph, toWireGraph } from '../core/wire.js'
import { graphHash } from './hash.js'
import type { MeshContext } from './mesh-types.js'
import { errorText, field, stringField, type WireMessage } from './message.js'
import type { Outbox, OutboxEntry } from './outbox.js'
import type { Peer } from './peer.js'
import type { Route } from './routes.js'

/** Error texts from peers are cut to this many characters before they reach a writer or an asker. */
const MAX_ERR_CHARS = 256

type ForwardRoute = Extract<Route, { kind: 'forward' }>

/**
 * A message answering another (`@`): an ack for our write, data for our
 * read, or a reply to a GET we forwarded, or to a re-subscription. Reply
 * data is a put like any other: validated and merged here before anything
 * of it reaches anyone, and a forwarded GET's reply goes back to the asker
 * re-serialised from the validated graph, never as the text the relay peer
 * sent (a bare "not found" is not passed back: we say it once for all).
 * Replies to nothing we know of, or from a peer the GET was not sent to,
 * are dropped, as in Gun.
 */
export function createReplyHandler(mesh: MeshContext, outbox: Outbox) {
  /** The first answer settles the write, `err` included: it leaves the outbox and its writer hears why. */
  const acked = (msg: WireMessage, entry: OutboxEntry) => {
    const err = field(msg, 'err')
    outbox.settle(entry.id)
    if (err !== undefined) return entry.onAck({ err: String(err).slice(0, MAX_ERR_CHARS) })
    entry.onAck({ ok: field(msg, 'ok') ?? true })
  }

  const mergeReply = (put: unknown, peer: Peer, id: string): void => {
    void mesh.merge(put, peer, id)
  }

  /** Merge a forwarded GET's data, then pass it to the asker; chunks go in the order they came. */
  const forwardData = (route: ForwardRoute, nodes: GraphNode[], peer: Peer, id: string, ask: string, next: string | undefined) => {
    const asker = route.asker
    // The asker is left out of the push of what this merge changes, as the reply itself goes to it — unless
    // it already has a complete answer under this id (ours from memory, or another relay peer's): it has
    // freed its route and will drop this reply, so what we learn here reaches it as a push (it is
    // subscribed to the soul by its GET), else it would stay stale until the key changes again.
    if (route.askerDone !== true) mesh.mergingReplies.set(id, asker)
    if (next === undefined) route.askerDone = true
    route.merging = (route.merging ?? 0) + 1
    const merged = mesh.mergeNodes(nodes, peer, id).finally(() => mesh.mergingReplies.delete(id))
    route.tail = (route.tail ?? Promise.resolve())
      .then(
        () => merged,
        () => merged,
      )
      .then((ok) => {
        route.merging = (route.merging ?? 1) - 1
        if (!ok) {
          // The engine refused the data (storage, verification): nothing of it reaches the asker. If that
          // was all the data, the asker is owed the "not found" the route skipped because data had come.
          if (route.merging === 0 && route.delivered !== true) {
            route.gotData = false
            if (route.waiting.size === 0 && !asker.closed) {
              mesh.send(asker, { '@': ask })
              route.askerDone = true
            }
          }
          return
        }
        if (asker.closed) return
        route.delivered = true
        // Hashed as any reply we send (`##`: the asker's dedup of equal replies from several relays).
        const put = toWireGraph(nodes)
        const reply: WireMessage = { '#': id, '@': ask, '##': graphHash(put), put }
        if (next !== undefined) reply['%'] = next
        mesh.send(asker, reply)
      })
  }

  return (msg: WireMessage, ack: string, id: string, peer: Peer, _raw: string | undefined): void => {
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
        if (put !== undefined) mergeReply(put, peer, id)
        // Answered: free the route now rather than after its age, so ask-backs never crowd out pending reads.
        if (last) mesh.routes.delete(ack)
        return
      case 'fetch': {
        const counts = last && route.waiting.has(peer)
        if (put === undefined) {
          if (counts) route.answered(peer)
          return
        }
        void mesh.merge(put, peer, id).then(() => {
          if (counts) route.answered(peer)
        })
        return
      }
      case 'forward': {
        // Only the relay peers the GET went to may answer it.
        if (!route.waiting.has(peer)) return
        if (put !== undefined) {
          let nodes: GraphNode[] | undefined
          try {
            nodes = parseWireGraph(put, mesh.limits)
          } catch (error) {
            mesh.refusedReply(peer, errorText(error))
          }
          if (nodes !== undefined && nodes.length > 0) {
            route.gotData = true
            const next = stringField(msg, '%')
            forwardData(route, nodes, peer, id, ack, next !== undefined && next.length <= mesh.limits.maxIdChars ? next : undefined)
          }
        } else {
          // A relay peer's error goes back to the asker, cut short; its bare "not found" stays here:
          // another peer may still have it, and the asker hears one "not found" from us (route.finish).
          const err = field(msg, 'err')
          if (err !== undefined && !route.asker.closed) {
            mesh.send(route.asker, { '@': ack, err: String(err).slice(0, MAX_ERR_CHARS) })
            route.askerDone = true
          }
        }
        if (last) route.answered(peer)
        return
      }
    }
  }
}
