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
      nodes = parseWireGraph(put)
    } catch (error) {
      return reject(peer, id, errorText(error))
    }
    mesh.engine
      .put(nodes, { kind: 'peer', peer, id })
      .then((outcome) => outcome.durable)
      .then(
        () => {
          // Written as text: one ack per put is the relay's busiest message.
          if (mesh.ackPuts && !peer.closed) mesh.sendText(peer, '{"#":"' + randomId() + '","@":' + JSON.stringify(id) + ',"ok":true}')
        },
        (error: unknown) => reject(peer, id, errorText(error)),
      )
  }
}
