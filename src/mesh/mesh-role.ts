import type { Origin } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import type { CatchUp, CatchUpContext, CatchUpOptions } from './catch-up.js'
import type { InboundWork } from './fair.js'
import type { MeshLimits } from './limits.js'
import type { MeshContext, PeerEvents } from './mesh-types.js'
import type { WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * What makes a mesh a relay, handed to the mesh core (mesh-core.ts) instead of imported by it
 * (docs/mesh.md, "Mesh roles"). `createMesh` (mesh.ts: relays, Node processes, the simulated network)
 * gives it relay-role.ts; `createClientMesh` (client-mesh.ts: a process that only dials relays, such as
 * a browser tab) gives it client-role.ts, so a bundler drops fairness lanes, catch-up, relay links,
 * pushes and forwarded reads from a client's build.
 */
export interface MeshRole {
  /** How inbound work is scheduled: fair lanes per peer (fair.ts), or one queue for a client's relays. */
  work(host: { readonly peers: ReadonlySet<Peer>; readonly limits: MeshLimits; log(line: string): void }): InboundWork
  /** The `?` handshake, and on a relay peer roles and the one-link rule (relay-links.ts). */
  links(context: LinksContext): MeshLinks
  /** Relay-only behaviour, used when the mesh's `relay` option is on; absent from a client role. */
  readonly relay?: RelayParts
}

/** What the link logic needs from its mesh. */
export interface LinksContext {
  readonly pid: string
  readonly relay: boolean
  readonly maxIdChars: number
  readonly peers: ReadonlySet<Peer>
  /** The cluster's shared secret (empty or undefined: none). */
  readonly peerSecret: string | undefined
  send(peer: Peer, msg: WireMessage): void
  closePeer(peer: Peer, code: number, reason: string): void
  eventsOf(peer: Peer): PeerEvents | undefined
  isClosed(): boolean
  log(line: string): void
  /** A relay link (a relay peer on our side) finished its handshake or was just proven: catch-up starts on it. */
  onRelayLink?(peer: Peer): void
}

/** The handshake and link bookkeeping the mesh core calls (relay-links.ts has the whole story). */
export interface MeshLinks {
  /** The greeting for an accepted link. */
  greet(peer: Peer): string
  hearGreeting(msg: WireMessage, id: string, peer: Peer): void
  hearVouch(msg: WireMessage, peer: Peer): void
  /** A link is gone. */
  detached(peer: Peer): void
  /** The other side closed a link; `code` is its close code, when known. */
  closedByThem(peer: Peer, code: number | undefined): void
  /** The dialler has a link of its own again. */
  dialling(events: PeerEvents): void
  readonly duplicateLinksClosed: number
  readonly relayLinksProven: number
  readonly relayProofsFailed: number
}

/** The relay's own parts (relay-role.ts). */
export interface RelayParts {
  /** Catch-up with relay peers through their change feeds (catch-up.ts). */
  catchUp(context: CatchUpContext, options: CatchUpOptions): CatchUp
  /** Pushes of applied changes to subscribed peers and relay peers (push.ts). */
  pusher(mesh: MeshContext, track: (id: string) => void): (changed: GraphNode[], origin: Origin) => void
  /** A relay's side of a GET: subscriptions, asking a client back, forwarding to relay peers (relay-reads.ts). */
  reads(mesh: MeshContext, notFound: (peer: Peer, ask: string) => void): RelayReads
}

/** A relay's side of a GET from a peer (relay-reads.ts). */
export interface RelayReads {
  /** Subscribe `peer` to what it asked of `soul`; true when this is a client's first GET of it on this link. */
  subscribe(peer: Peer, soul: string, key: string | undefined): boolean
  /** Ask a client that just subscribed to `soul` for what it holds of it (`node`: what we hold). */
  askBack(peer: Peer, soul: string, node: GraphNode | undefined): void
  /**
   * Pass the GET on to relay peers (but the asker and those `><` names; with `soul`, those already
   * asked for it when we found data); true when it went to someone, whose replies then answer the asker.
   */
  forward(msg: WireMessage, get: Record<string, unknown>, ask: string, asker: Peer, found: boolean, soul: string | undefined): boolean
}
