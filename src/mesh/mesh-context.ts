import type { Engine } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import { parseWireGraph } from '../core/wire.js'
import type { BoundedMap } from './bounded-map.js'
import type { Dedup } from './dedup.js'
import type { InboundWork } from './fair.js'
import { randomId } from './ids.js'
import type { MeshLimits } from './limits.js'
import type { MeshCounters } from './mesh-counters.js'
import type { MeshContext } from './mesh-types.js'
import { errorText, type WireMessage } from './message.js'
import type { Peer } from './peer.js'
import type { Route } from './routes.js'
import type { Subscriptions } from './subscriptions.js'

export interface MeshContextParts {
  engine: Engine
  pid: string
  relay: boolean
  ackPuts: boolean
  limits: MeshLimits
  peers: Set<Peer>
  routes: BoundedMap<Route>
  subscriptions: Subscriptions
  dedup: Dedup
  work: InboundWork
  counters: MeshCounters
  log: (line: string) => void
}

/** The surface the message handlers share: sending, merging a peer's graph, and choosing relay peers. */
export function createMeshContext(parts: MeshContextParts): MeshContext {
  const { engine, limits, peers, dedup, counters, log } = parts

  const sendText = (peer: Peer, text: string) => {
    counters.framesOut++
    peer.send(text)
  }
  const send = (peer: Peer, msg: WireMessage) => {
    const given = msg['#']
    const id = typeof given === 'string' ? given : randomId()
    msg['#'] = id
    // Replies and acks travel back along one route and are never relayed, so they need no dedup entry.
    if (msg['@'] === undefined) dedup.track(id)
    sendText(peer, JSON.stringify(msg))
  }

  const merge = async (put: unknown, peer: Peer, id: string): Promise<boolean> => {
    let nodes: GraphNode[]
    try {
      nodes = parseWireGraph(put, limits)
    } catch (error) {
      refusedReply(peer, errorText(error))
      return false
    }
    return mergeNodes(nodes, peer, id)
  }

  const mergeNodes = async (nodes: GraphNode[], peer: Peer, id: string): Promise<boolean> => {
    if (nodes.length === 0) return true
    try {
      await engine.put(nodes, { kind: 'peer', peer, id })
      return true
    } catch (error) {
      log(`merge from ${peer.name} failed: ${errorText(error)}`)
      return false
    }
  }

  const refusedReply = (peer: Peer, why: string) => {
    counters.repliesRefused++
    log(`reply from ${peer.name} refused: ${why.slice(0, 200)}`)
  }

  const relayPeers = (except: Peer | undefined, hints: ReadonlySet<string> | undefined): Peer[] => {
    const out: Peer[] = []
    for (const peer of peers) {
      if (!peer.relay || peer === except || peer.closed) continue
      if (hints !== undefined && (hints.has(peer.name) || hints.has(peer.id) || (peer.pid !== undefined && hints.has(peer.pid)))) continue
      out.push(peer)
    }
    return out
  }

  return {
    engine,
    pid: parts.pid,
    relay: parts.relay,
    ackPuts: parts.ackPuts,
    limits,
    peers,
    routes: parts.routes,
    subscriptions: parts.subscriptions,
    work: parts.work,
    mergingReplies: new Map<string, Peer>(),
    send,
    sendText,
    merge,
    mergeNodes,
    refusedReply,
    relayPeers,
    log,
  }
}
