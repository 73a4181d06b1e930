import type { Engine, Network } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import type { BoundedMap } from './bounded-map.js'
import type { CatchUpOptions, CatchUpStats } from './catch-up.js'
import type { InboundWork } from './fair.js'
import type { MeshLimits } from './limits.js'
import type { Link } from './link.js'
import type { WireMessage } from './message.js'
import type { Peer, PeerInfo } from './peer.js'
import type { Route } from './routes.js'
import type { Subscriptions } from './subscriptions.js'

// The mesh's shapes, apart from the code that builds them, so the handlers and relay links
// can name them without importing mesh.ts (which imports them): no cycle, type-only or not.

export interface MeshOptions {
  engine: Engine
  /** This process's id in the `?` handshake (random by default). */
  pid?: string
  /**
   * Relay mode: subscribe peers that GET a soul and push them its changes,
   * forward GETs to relay peers, replicate changes to relay peers. Clients
   * (browsers, app processes) leave it off: they only send their own writes.
   */
  relay?: boolean
  /** Ack incoming puts once durable. Default: relays, and peers with durable storage. */
  ackPuts?: boolean
  /** Relay URLs to suggest in a `mob` notice when over `limits.maxPeers`. */
  mobPeers?: () => string[]
  /**
   * The cluster's shared secret (relays): a relay that dials us proves it is one of ours with an
   * HMAC of our greeting's nonce (peer-proof.ts), and we prove it when we dial. Without it, an
   * accepted link is a relay peer only when a relay we dial vouches for it (docs/mesh.md, Peer roles).
   */
  peerSecret?: string
  /** Relays: catch up with relay peers through their change feeds (catch-up.ts); off when undefined. */
  catchUp?: CatchUpOptions
  limits?: Partial<MeshLimits>
  log?: (line: string) => void
}

/** Feed a connection's frames in; tell the mesh when it closes. */
export interface PeerHandle {
  readonly peer: Peer
  hear(text: string): void
  /** The connection is gone; `code` is the close code the other side sent, when known. */
  closed(code?: number): void
}

/**
 * What the mesh tells the transport that dialled a link. A dialler passes the
 * same object for every connection it makes, so standby outlives a link.
 */
export interface PeerEvents {
  /** A relay said it is full and named others (`mob`). */
  onMob?: (urls: string[]) => void
  /** The connection reached this very process. */
  onSelf?: () => void
  /**
   * Our dialled link was dropped as a duplicate: the relay at the other end
   * dialled us too, and its link is the one both sides keep. Do not redial
   * (cancel a pending redial) until `onResume`. Comes when the link closes,
   * or later, while redialling, once the other relay's link is up again.
   */
  onStandby?: () => void
  /** The link we stood by for is gone: dial again (after the usual backoff). */
  onResume?: () => void
}

export interface MeshStats {
  peers: number
  dedup: number
  routes: number
  subscriptionSouls: number
  subscriptions: number
  interest: number
  outbox: number
  framesIn: number
  framesOut: number
  errorsSent: number
  /** Relay links this mesh closed because the same two relays already had one (docs/mesh.md, Relay peering). */
  duplicateLinksClosed: number
  // Bytes held (characters of ids, souls, keys, JSON): see limits.ts for the bounds.
  dedupBytes: number
  routeBytes: number
  interestBytes: number
  subscriptionBytes: number
  outboxBytes: number
  /** Bytes accepted by sockets and not yet written, over all peers. */
  sendQueueBytes: number
  /** Connections closed because their send queue passed `maxQueueChars`. */
  slowConsumersClosed: number
  /** Accepted links proven to be relay peers (cluster secret, or vouched for by a relay we dial). */
  relayLinksProven: number
  /** Relay claims whose proof did not verify. */
  relayProofsFailed: number
  /** Replies from peers dropped because their data was not a valid graph. */
  repliesRefused: number
  /** Messages dropped because their id was longer than `maxIdChars`. */
  longIdsRefused: number
}

export interface Mesh {
  readonly pid: string
  readonly relay: boolean
  readonly network: Network
  readonly peers: ReadonlySet<Peer>
  connect(link: Link, info: PeerInfo, events?: PeerEvents): PeerHandle
  /** Peers are configured (dialled by a transport), connected or not: writes then wait for a peer's ack and are kept until one comes. */
  expectPeers(yes: boolean): void
  /** A dialled connection failed or was lost: reads stop waiting for a connection until one opens again. */
  dialFailed(): void
  stats(): MeshStats
  /** Catch-up between relays (undefined when off). */
  catchUpStats(): CatchUpStats | undefined
  /**
   * Attach the link of Gun.on('opt') plugins (plugins/wire-context.ts): a peer outside the peer
   * table, sent this process's reads and writes and its answers to what came in through it,
   * never counted as a peer that must answer a read or ack a write. One at a time.
   */
  plug(link: Link, options: PlugOptions): Plug
  /**
   * Plugins' `in` handlers: every message heard from a peer, `dam` control messages apart, goes to
   * `inbound` instead of being handled; it comes back through `admit`. Undefined restores the direct path.
   */
  setInbound(inbound: ((msg: WireMessage, peer: Peer) => void) | undefined): void
  /** A frame that passed the plugins' `in` handlers, heard as from `peer`: decoded and checked as any frame. */
  admit(text: string, peer: Peer): void
  close(): void
}

/** How the plugins' link takes part in reads. */
export interface PlugOptions {
  /** True when something listens to what goes out (an `out` handler): reads and writes are then sent to the link. */
  listens(): boolean
  /** How long a read with no other peer to ask waits for a reply through the link (Gun's `opt.wait`). */
  readWaitMs: number
}

/** The plugins' link, attached. */
export interface Plug {
  readonly peer: Peer
  /** Detach it: nothing more is sent to it. */
  unplug(): void
}

/** Internal surface shared by the message handlers. */
export interface MeshContext {
  readonly engine: Engine
  readonly pid: string
  readonly relay: boolean
  readonly ackPuts: boolean
  readonly limits: MeshLimits
  readonly peers: Set<Peer>
  readonly routes: BoundedMap<Route>
  readonly subscriptions: Subscriptions
  /** Scheduling of inbound work: sliced tasks and key budgets (fair.ts on a relay, client-work.ts in a client mesh). */
  readonly work: InboundWork
  /** Replies being merged, by message id → the peer the reply is routed to (not pushed to again). */
  readonly mergingReplies: Map<string, Peer>
  send(peer: Peer, msg: WireMessage): void
  sendText(peer: Peer, text: string): void
  /** Merge a wire graph from a peer; resolves to false when it was invalid. */
  merge(put: unknown, peer: Peer, id: string): Promise<boolean>
  /** Merge graph nodes already validated; resolves to false when the engine refused them. */
  mergeNodes(nodes: GraphNode[], peer: Peer, id: string): Promise<boolean>
  /** A peer's reply carried data that is not a valid graph: counted and logged, never passed on. */
  refusedReply(peer: Peer, why: string): void
  relayPeers(except: Peer | undefined, hints: ReadonlySet<string> | undefined): Peer[]
  log(line: string): void
}
