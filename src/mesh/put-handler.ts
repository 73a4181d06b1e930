import type { PutOutcome } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import { parseWireGraph } from '../core/wire.js'
import type { MeshContext } from './mesh.js'
import { randomId } from './ids.js'
import { errorText, type WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * A PUT from a peer: validate the whole graph (all or nothing), run it
 * through the engine, and ack once it is durable. Unlike stock Gun we ack
 * a put that changed nothing (its data is already held at an equal or
 * newer state), so a writer resending after a lost ack is not left waiting;
 * and we answer invalid graphs with `err` instead of dropping them silently.
 * Pushing the change to subscribers happens in the engine's change listener.
 */
export function createPutHandler(mesh: MeshContext) {
  const reject = (peer: Peer, id: string, err: string) => {
    if (!peer.closed) mesh.send(peer, { '#': randomId(), '@': id, err })
  }
  return (_msg: WireMessage, put: unknown, id: string, peer: Peer): void => {
    if (!peer.puts.take()) return reject(peer, id, 'Too many requests.')
    let nodes: GraphNode[]
    try {
      nodes = parseWireGraph(put, mesh.limits)
    } catch (error) {
      return reject(peer, id, errorText(error))
    }
    const failed = (error: unknown) => reject(peer, id, errorText(error))
    const acknowledge = () => {
      // Written as text: one ack per put is the relay's busiest message.
      if (!peer.closed) mesh.sendText(peer, '{"#":"' + randomId() + '","@":' + JSON.stringify(id) + ',"ok":true}')
    }
    // `apply` is synchronous when it can be: a subscriber hearing a push pays no promise for it.
    let outcome: PutOutcome | Promise<PutOutcome>
    try {
      outcome = mesh.engine.apply(nodes, { kind: 'peer', peer, id })
    } catch (error) {
      return failed(error)
    }
    const stored = mesh.ackPuts ? acknowledge : ignore
    if (outcome instanceof Promise) outcome.then((done) => done.durable).then(stored, failed)
    else outcome.durable.then(stored, failed)
  }
}

const ignore = () => {}
