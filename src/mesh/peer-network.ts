import type { Network } from '../core/engine-types.js'
import { wireGraphText } from '../core/wire.js'
import type { BoundedMap } from './bounded-map.js'
import type { Dedup } from './dedup.js'
import { randomId } from './ids.js'
import type { MeshLimits } from './limits.js'
import type { MeshContext, PlugOptions } from './mesh-types.js'
import { putMessageText } from './message.js'
import type { Outbox, OutboxEntry } from './outbox.js'
import type { Peer } from './peer.js'

export interface PeerNetworkParts {
  relay: boolean
  limits: MeshLimits
  peers: ReadonlySet<Peer>
  /** Souls this process read from peers (asked again after a reconnect). */
  interest: BoundedMap<true>
  outbox: Outbox
  dedup: Dedup
  context: Pick<MeshContext, 'routes' | 'send' | 'sendText' | 'relayPeers'>
}

/** The engine's view of the peers (Network), and the connection state its reads wait on. */
export interface PeerNetwork {
  readonly network: Network
  /** Peers are configured (a transport dials them), connected or not: writes then wait for a peer's ack. */
  expectPeers(yes: boolean): void
  /** A dialled connection opened: reads waiting for one go ahead. */
  connected(): void
  /** A dialled connection failed or was lost: reads stop waiting for a connection until one opens again. */
  dialFailed(): void
  /** A peer left the peer set. */
  peerLeft(): void
  /** The plugins' link (mesh.plug), or undefined once detached. */
  plug(peer: Peer | undefined, options?: PlugOptions): void
  close(): void
}

export function createPeerNetwork(parts: PeerNetworkParts): PeerNetwork {
  const { relay, limits, peers, interest, outbox, dedup } = parts
  const { routes, send, sendText, relayPeers } = parts.context
  // Set by transports that dial out (their writes are kept until acked, and they re-subscribe).
  let hasConfiguredPeers = false
  let closed = false
  // Reads made while the first connection opens wait for it (see Network.ready); after a failure they do not.
  let offline = false
  // Gun.on('opt') plugins' link: not in `peers`, so it never counts as a peer to ask or to wait for.
  let plugged: Peer | undefined
  let plugOptions: PlugOptions | undefined
  const listeningPlug = () => (plugged !== undefined && plugOptions?.listens() === true ? plugged : undefined)
  const readyWaiters = new Set<(connected: boolean) => void>()
  // Who wants to hear of peers coming and going (the sync status); a few per instance.
  const peerListeners = new Set<() => void>()
  const peersChanged = () => {
    for (const listener of [...peerListeners]) listener()
  }
  const settleReady = (connected: boolean) => {
    for (const resolve of [...readyWaiters]) resolve(connected)
  }

  const countRelayPeers = () => {
    let n = 0
    for (const peer of peers) if (peer.relay && !peer.closed) n++
    return n
  }

  const network: Network = {
    // A relay asks only relay peers; its clients are not a source of truth for its reads or acks.
    get peerCount() {
      return relay ? countRelayPeers() : peers.size
    },
    get hasPeers() {
      return relay ? hasConfiguredPeers || countRelayPeers() > 0 : peers.size > 0 || hasConfiguredPeers
    },
    get writesNeedPeerAck() {
      return !relay && (peers.size > 0 || hasConfiguredPeers)
    },
    get readsGoOut() {
      return listeningPlug() !== undefined
    },
    ready(timeoutMs) {
      if (network.peerCount > 0) return Promise.resolve(true)
      if (!hasConfiguredPeers || offline || closed) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const done = (connected: boolean) => {
          clearTimeout(timer)
          readyWaiters.delete(done)
          resolve(connected)
        }
        const timer = setTimeout(() => done(false), timeoutMs)
        readyWaiters.add(done)
      })
    },
    fetch(soul, key) {
      interest.set(soul, true)
      const asked = relay ? relayPeers(undefined, undefined) : [...peers].filter((p) => !p.closed)
      const plug = listeningPlug()
      if (asked.length === 0 && plug === undefined) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const id = randomId()
        // Replies through the plugins' link are merged whoever else is asked; they settle the read only
        // when nobody else is asked, and then within the short wait of Gun's once (plugins may not answer).
        const waiting = new Set(asked.length > 0 || plug === undefined ? asked : [plug])
        let done = false
        const timer = setTimeout(() => finish(false), asked.length > 0 ? limits.readTimeoutMs : (plugOptions?.readWaitMs ?? 0))
        const finish = (answered: boolean) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resolve(answered)
        }
        routes.set(id, {
          kind: 'fetch',
          waiting,
          answered: (peer) => {
            waiting.delete(peer)
            if (waiting.size === 0) finish(true)
          },
          finish: () => finish(false),
        })
        const get: Record<string, unknown> = { '#': soul }
        if (key !== undefined) get['.'] = key
        for (const peer of asked) {
          peer.asked.add(soul)
          send(peer, { '#': id, get })
        }
        if (plug !== undefined) send(plug, { '#': id, get })
      })
    },
    onPeersChange(listener) {
      peerListeners.add(listener)
      return () => {
        peerListeners.delete(listener)
      }
    },
    publish(nodes, id, onAck, putText) {
      // The outbox is also the route for this id's acks (resends after a reconnect get routes of their own).
      const entry: OutboxEntry = { id, putText: putText ?? wireGraphText(nodes), onAck, createdAt: Date.now() }
      outbox.add(entry)
      dedup.track(id)
      const text = putMessageText(id, entry.putText)
      for (const peer of peers) if (!peer.closed) sendText(peer, text)
      const plug = listeningPlug()
      if (plug !== undefined) sendText(plug, text)
    },
    announce(nodes, id) {
      const plug = listeningPlug()
      // Nobody listening: not even serialised.
      if (plug === undefined) return
      dedup.track(id)
      sendText(plug, putMessageText(id, wireGraphText(nodes)))
    },
  }

  return {
    network,
    expectPeers(yes) {
      hasConfiguredPeers = yes
      peersChanged()
    },
    connected() {
      offline = false
      settleReady(true)
      peersChanged()
    },
    peerLeft: peersChanged,
    dialFailed() {
      offline = true
      settleReady(false)
    },
    plug(peer, options) {
      plugged = peer
      plugOptions = options
    },
    close() {
      closed = true
      settleReady(false)
      peerListeners.clear()
    },
  }
}
