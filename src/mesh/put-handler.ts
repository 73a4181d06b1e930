import type { PutOutcome } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import { signatureChecks } from '../core/user-space.js'
import { WireGraphParser } from '../core/wire.js'
import type { MeshContext } from './mesh-types.js'
import { randomId } from './ids.js'
import { errorText, type WireMessage } from './message.js'
import type { Peer } from './peer.js'
import { PutTask } from './put-task.js'

/**
 * A PUT from a peer: validate the whole graph (all or nothing), run it
 * through the engine, and ack once it is durable. Unlike stock Gun we ack
 * a put that changed nothing (its data is already held at an equal or
 * newer state), so a writer resending after a lost ack is not left waiting;
 * and we answer invalid graphs with `err` instead of dropping them silently.
 * Pushing the change to subscribers happens in the engine's change listener.
 * A put of more than `sliceKeys` keys is checked in slices in the peer's
 * lane (put-task.ts); its peer's later frames wait behind it, but messages
 * of the same batch frame may overtake it.
 */
export function createPutHandler(mesh: MeshContext) {
  const fair = mesh.work
  /** Puts up to this many keys are paid for by their frame's characters alone (fair.ts): no extra work on the hot path. */
  const smallPut = 64
  /**
   * A written key costs this many served keys against the peer's key budget: parsing, validating and
   * merging a key (~4 µs, measured on a 100 000-key put) is about four times writing it in a reply.
   */
  const putKeyWeight = 4
  /**
   * A key in a soul with `~` in it costs a signature check (user space) or an alias check, some keys up
   * to four checks (signatureChecks): ~90 µs of a verify thread each, charged as this many served keys on
   * top of the key itself. Junk signatures are free to make; without the charge one peer could queue
   * checks faster than they are made, without bound.
   */
  const signedKeyWeight = 20
  /** A put of more keys than this is checked a slice at a time (~1 ms each). */
  const sliceKeys = 2048
  const reject = (peer: Peer, id: string, err: string) => {
    if (!peer.closed) mesh.send(peer, { '#': randomId(), '@': id, err })
  }
  return function handlePut(_msg: WireMessage, put: unknown, id: string, peer: Peer): void {
    if (!peer.puts.take()) return reject(peer, id, 'Too many requests.')
    let parser: WireGraphParser
    try {
      parser = new WireGraphParser(put, mesh.limits)
      if (!parser.step(sliceKeys)) {
        const refuse = (error: unknown) => reject(peer, id, errorText(error))
        fair.charge(peer, sliceKeys * putKeyWeight)
        fair.task(peer, new PutTask(peer, parser, sliceKeys, putKeyWeight, mesh.limits.sliceChars, (nodes) => apply(nodes, id, peer), refuse))
        return
      }
    } catch (error) {
      return reject(peer, id, errorText(error))
    }
    const nodes = parser.nodes
    if (nodes.length > 1 || (nodes.length === 1 && nodes[0].size > smallPut)) {
      let keys = 0
      for (const node of nodes) keys += node.size
      if (keys > smallPut) fair.charge(peer, keys * putKeyWeight)
    }
    apply(nodes, id, peer)
  }

  function apply(nodes: GraphNode[], id: string, peer: Peer): void {
    const checks = signatureChecks(nodes)
    if (checks > 0) {
      fair.charge(peer, checks * signedKeyWeight)
      peer.checksWaiting += checks
    }
    const failed = (error: unknown) => reject(peer, id, errorText(error))
    const acknowledge = () => {
      // Written as text: one ack per put is the relay's busiest message.
      if (!peer.closed) mesh.sendText(peer, '{"#":"' + randomId() + '","@":' + JSON.stringify(id) + ',"ok":true}')
    }
    // `apply` is synchronous when it can be: a subscriber hearing a push pays no promise for it.
    let outcome: PutOutcome | Promise<PutOutcome>
    // The put's checks are done once the engine has taken or refused it (durability is not their concern).
    const checked = () => {
      peer.checksWaiting -= checks
    }
    try {
      outcome = mesh.engine.apply(nodes, { kind: 'peer', peer, id })
    } catch (error) {
      checked()
      return failed(error)
    }
    const stored = mesh.ackPuts ? acknowledge : ignore
    if (outcome instanceof Promise) {
      if (checks > 0) outcome.then(checked, checked)
      outcome.then((done) => done.durable).then(stored, failed)
    } else {
      checked()
      outcome.durable.then(stored, failed)
    }
  }
}

const ignore = () => {}
