import type { GraphNode } from '../core/node.js'
import { toWireGraph } from '../core/wire.js'
import { graphHash } from './hash.js'
import { formatHints, parseHints } from './hints.js'
import { randomId } from './ids.js'
import type { RelayReads } from './mesh-role.js'
import type { MeshContext } from './mesh-types.js'
import { field, type WireMessage } from './message.js'
import { NodeHashTask } from './node-hash.js'
import type { Peer } from './peer.js'

/**
 * A relay's side of a GET (get-handler.ts answers it from what we hold): subscribe the asker, ask
 * a client back for what it holds, and pass the read on to relay peers when we have nothing, or
 * when this is the first time we ask them for that soul (so their later changes are pushed to us,
 * as a stock AXE relay subscribes its askers). Relay-only: a client mesh goes without it.
 */
export function createRelayReads(mesh: MeshContext, notFound: (peer: Peer, ask: string) => void): RelayReads {
  const { limits, routes } = mesh

  /**
   * Ask a client that just subscribed to a soul for what it holds of it, with the hash of what we
   * hold: stock Gun sends no reply whose `##` equals the GET's, so a client in step costs one small
   * GET. One that differs answers; the merge pushes its news to the soul's other subscribers. This
   * is how writes a stock client made while it could not reach us get here: stock Gun never re-sends
   * them. Whole soul, whatever the client asked for: it may have written keys it never read.
   */
  const askBack = (peer: Peer, soul: string, node: GraphNode | undefined) => {
    const send = (hash: number | undefined) => {
      if (peer.closed) return
      const id = randomId()
      routes.set(id, { kind: 'resubscribe' })
      const out: WireMessage = { '#': id, get: { '#': soul } }
      if (hash !== undefined) out['##'] = hash
      mesh.send(peer, out)
    }
    if (node === undefined || node.size === 0) return send(undefined)
    // A big node's hash is computed a step at a time in the asker's turns (after its reply).
    if (node.size > limits.chunkKeys) return mesh.work.task(peer, new NodeHashTask(node, send))
    send(graphHash(toWireGraph([node])))
  }

  /** Pass a GET on to relay peers; their replies go back to the asker (reply-handler). `soul`: a one-soul GET, remembered as asked. */
  const forward = (msg: WireMessage, get: Record<string, unknown>, ask: string, asker: Peer, answeredLocally: boolean, soul: string | undefined) => {
    let targets = mesh.relayPeers(asker, parseHints(field(msg, '><')))
    if (answeredLocally && soul !== undefined) targets = targets.filter((p) => !p.asked.has(soul))
    if (targets.length === 0) return false
    const waiting = new Set(targets)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (!route.gotData && !answeredLocally && !asker.closed) {
        notFound(asker, ask)
        // Data a relay peer sends after this (past the timeout) reaches the asker as a push (reply-handler).
        route.askerDone = true
      }
    }
    const timer = setTimeout(finish, limits.forwardTimeoutMs)
    const route = {
      kind: 'forward' as const,
      asker,
      waiting,
      gotData: false,
      askerDone: answeredLocally,
      answered(peer: Peer) {
        waiting.delete(peer)
        if (waiting.size === 0) finish()
      },
      finish,
    }
    routes.set(ask, route)
    const out: WireMessage = { '#': ask, get }
    const hash = field(msg, '##')
    if (hash !== undefined) out['##'] = hash
    const hints = formatHints(targets.map((p) => p.name))
    if (hints !== undefined) out['><'] = hints
    const text = JSON.stringify(out)
    for (const peer of targets) {
      if (soul !== undefined) {
        if (peer.asked.size >= limits.maxAskedPerPeer) peer.asked.clear()
        peer.asked.add(soul)
      }
      mesh.sendText(peer, text)
    }
    return true
  }

  return {
    subscribe(peer, soul, key) {
      // A client's first GET of this soul on this connection: its first read, or its re-read after a reconnect.
      const firstAsk = !peer.relay && !peer.subscriptions.has(soul)
      // Pushes follow what was asked: one key, or (a whole node, a key range) the whole soul.
      mesh.subscriptions.add(peer, soul, key)
      return firstAsk
    },
    askBack,
    forward,
  }
}
