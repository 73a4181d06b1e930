import { DEFAULT_VALIDATION_LIMITS, type ValidationLimits } from '../core/validate.js'
import type { PeerLimits } from './peer.js'

/** Every bound the mesh keeps. Each table has one; each is reported by `mesh.stats()`. */
/** Souls, keys and values of every graph a peer sends are checked against the validation limits (`maxSoulChars` also bounds subscriptions). */
export interface MeshLimits extends PeerLimits, ValidationLimits {
  /** Frames this long or longer are answered with Gun's `Message too big!` (stock: 90 M chars; we keep memory bounded). */
  maxFrameChars: number
  /** Messages taken from one batch frame; the rest are dropped. */
  maxBatch: number
  /** Longest message id / pid accepted. */
  maxIdChars: number
  maxDedup: number
  dedupAgeMs: number
  /** Outstanding requests (our gets and puts, forwarded gets) by message id. */
  maxRoutes: number
  routeAgeMs: number
  maxSubscriptionsPerPeer: number
  maxSubscriptions: number
  /** Souls we read from peers, re-asked after a reconnect. */
  maxInterest: number
  maxResubscribe: number
  /** Unacknowledged local writes kept for resending. */
  maxOutbox: number
  outboxTtlMs: number
  /** How long a read waits for every asked peer. */
  readTimeoutMs: number
  /** How long a relay waits for upstream relays before answering "not found". */
  forwardTimeoutMs: number
  /** Keys per GET reply message; larger nodes are sent in chunks linked by `%`. */
  chunkKeys: number
  /** Souls one LEX read over souls (`get: {"#": {"*": …}}`) may answer with. */
  maxLexSouls: number
  /** JSON characters a LEX read's replies carry when its GET has no valid `%` (stock RAD then sends one key). */
  lexDefaultBytes: number
  /** The largest `%` honoured; a bigger one gets this much. */
  lexMaxBytes: number
  /** Accepted connections before new ones get a `mob` notice and are dropped. */
  maxPeers: number
  /** Souls remembered per peer as already asked (subscription forwarding); cleared when full. */
  maxAskedPerPeer: number
  // Bounds in bytes (characters of ids, souls, keys, JSON held), beside the counts above (issue 11).
  /** Characters of ids in the dedup table; oldest out past it. */
  maxDedupBytes: number
  /** Characters of ids in the route table; oldest out (and answered "not found") past it. */
  maxRouteBytes: number
  /** Characters of souls in the interest table; oldest out past it. */
  maxInterestBytes: number
  /** Characters of souls and keys subscribed for one peer; past it new souls are refused, keys widen. */
  maxSubscriptionBytesPerPeer: number
  /** Characters of souls and keys subscribed for all peers. */
  maxSubscriptionBytes: number
  /** Characters of JSON kept for unacknowledged local writes; oldest dropped (`Outbox full`) past it. */
  maxOutboxBytes: number
  // ---- fairness (src/mesh/fair.ts, docs/mesh.md "Fairness") ----
  /** Frames longer than this always wait for their peer's turn; also the work one peer does per turn (chars). */
  sliceChars: number
  /** Messages of one batch frame handled at a time; the rest wait for the peer's turns, a slice at a time. */
  sliceMessages: number
  /** A scheduler turn ends (and the event loop polls sockets) after this many ms of queued work. */
  turnMs: number
  /** Keys a client may have served (GET replies; at least one a GET, one a message of a sliced batch) or written (×4, puts of over 64 keys) per second; burst 4 s. Over it, its work waits. */
  peerKeysPerSecond: number
  /** Characters of frames a client may send per second; burst 4 s. Over it, its frames wait. */
  peerCharsPerSecond: number
  /** Characters of frames one peer may have waiting for its turn; past it the connection is closed (1013). */
  maxPeerBacklogChars: number
  /**
   * Signature checks a client's puts may have waiting (SEA, user space: ~90 µs each on a verify thread);
   * past it the client's next frames wait until it is back under it. A frame already taken is checked whole: one
   * put of up to `maxFrameChars` can still queue tens of thousands by itself.
   */
  maxPeerChecksWaiting: number
  /** Bytes of partially received frames across all sockets; past it the socket holding most is closed (1009). */
  maxPartialFrameBytes: number
}

/** The mesh's bounds when none are given (frame size, batch size, rates, table sizes). */
export const DEFAULT_LIMITS: MeshLimits = {
  maxFrameChars: 8 * 1024 * 1024,
  maxBatch: 10_000,
  maxIdChars: 128,
  ...DEFAULT_VALIDATION_LIMITS,
  maxDedup: 200_000,
  dedupAgeMs: 9_000,
  maxRoutes: 100_000,
  routeAgeMs: 30_000,
  maxSubscriptionsPerPeer: 10_000,
  maxSubscriptions: 2_000_000,
  maxInterest: 10_000,
  maxResubscribe: 10_000,
  maxOutbox: 10_000,
  outboxTtlMs: 24 * 60 * 60 * 1000,
  readTimeoutMs: 5_000,
  forwardTimeoutMs: 2_000,
  chunkKeys: 1_000,
  maxLexSouls: 1_000,
  lexDefaultBytes: 256 * 1024,
  lexMaxBytes: 4 * 1024 * 1024,
  maxPeers: 10_000,
  maxAskedPerPeer: 100_000,
  sliceChars: 64 * 1024,
  sliceMessages: 64,
  turnMs: 4,
  peerKeysPerSecond: 250_000,
  peerCharsPerSecond: 8 * 1024 * 1024,
  maxPeerBacklogChars: 16 * 1024 * 1024,
  maxPeerChecksWaiting: 1024,
  maxPartialFrameBytes: 64 * 1024 * 1024,
  packChars: 64 * 1024,
  maxQueueChars: 16 * 1024 * 1024,
  getsPerSecond: 10_000,
  getBurst: 20_000,
  putsPerSecond: 50_000,
  putBurst: 100_000,
  maxDedupBytes: 8 * 1024 * 1024,
  maxRouteBytes: 4 * 1024 * 1024,
  maxInterestBytes: 4 * 1024 * 1024,
  maxSubscriptionBytesPerPeer: 4 * 1024 * 1024,
  maxSubscriptionBytes: 256 * 1024 * 1024,
  maxOutboxBytes: 64 * 1024 * 1024,
  maxAskedBytesPerPeer: 8 * 1024 * 1024,
}
