import type { StateClock } from './clock.js'
import type { ErrorCode } from './errors.js'
import type { GraphNode } from './node.js'
import type { KeyRange, StorageAdapter } from './storage-contract.js'

/**
 * Where a write came from: this process (the chain API, REST, CLI), a peer on the mesh, or storage itself —
 * a change another process sharing the storage already made durable (another tab of a browser), which is
 * merged into memory and heard by listeners but not stored again.
 */
export type Origin = { kind: 'local'; id: string } | { kind: 'peer'; peer: unknown; id?: string } | { kind: 'storage' }

/** What one write did. */
export interface PutOutcome {
  /** The keys that won HAM and were applied, per node (empty when nothing changed). */
  changed: GraphNode[]
  /** Keys whose state lies in the future: held and applied when due. */
  deferred: number
  /** Resolves once `changed` is durable in storage (at once when there is nothing to store). */
  durable: Promise<void>
}

/** A verification step run before HAM (SEA plugs in here). Returns the nodes to apply, or throws a TrellisError. */
export type VerifyHook = (nodes: GraphNode[], origin: Origin) => GraphNode[] | Promise<GraphNode[]>

/** Called for every applied change: once storage made it durable (at once without storage). */
export type ChangeListener = (changed: GraphNode[], origin: Origin) => void

/**
 * The network as the engine and chain see it (the mesh implements it).
 * The engine never talks to sockets; it only asks this.
 */
export interface Network {
  /** How many peers are connected now. */
  readonly peerCount: number
  /** True when there is anyone to ask: a peer configured, connected or not. Reads then ask the network. */
  readonly hasPeers: boolean
  /**
   * True when a local write is only acknowledged once a peer acks it (a
   * client of a relay). A relay acknowledges its own writes from its
   * storage and pushes them to subscribers instead. Default: `hasPeers`.
   */
  readonly writesNeedPeerAck?: boolean
  /**
   * Ask peers for a node (or one key of it). Replies are merged through
   * `engine.put` before the promise resolves; it resolves when every asked
   * peer has answered (true) or the read timeout passed (false) — never
   * rejects, never hangs.
   */
  fetch(soul: string, key?: string): Promise<boolean>
  /**
   * Wait for a first connection while one is being made: resolves true as
   * soon as a peer is connected, false after `timeoutMs` or at once when no
   * connection attempt is under way (offline apps answer from local data
   * rather than wait). Reads call this when peers are configured but none
   * is connected yet, so a read made right after start-up asks the relay.
   */
  ready?(timeoutMs: number): Promise<boolean>
  /**
   * Send a local write to peers under message id `id` (kept and resent on reconnect until a peer answers);
   * `onAck` gets the first answer. `putText`: the nodes' `wireGraphText`, when the caller has it already.
   */
  publish(nodes: GraphNode[], id: string, onAck: (ack: Ack) => void, putText?: string): void
  /**
   * False when this network only forwards to another instance that resends the offline queue itself (a
   * follower tab: the leader tab resends every tab's queue). Default true: the root resends the storage's
   * queue when this network is set.
   */
  readonly resendsUnsent?: boolean
  /** Call `listener` whenever a peer connects or goes; returns the unsubscribe. */
  onPeersChange?(listener: () => void): () => void
  /**
   * True when reads are sent out even with no peer (Gun.on('opt') plugins listen to what goes out):
   * a read that memory cannot answer then calls `fetch`.
   */
  readonly readsGoOut?: boolean
  /**
   * A local write that waits for no peer's ack, shown to whoever listens (Gun.on('opt') plugins'
   * `out` handlers) under message id `id`. Nothing is kept for it, and nothing waits on it.
   */
  announce?(nodes: GraphNode[], id: string): void
}

/** A write acknowledgement, as Gun's put callback receives it. */
export interface Ack {
  ok?: unknown
  /** Gun's error text, exactly as a stock peer words it (and as it travels on the wire). */
  err?: string
  /**
   * Why, for code: set on writes this process refused (validation, SEA, storage, quota, closed).
   * It never goes on the wire; acks from peers, and timeouts (`lack`), carry only Gun's fields.
   */
  code?: ErrorCode
  /** True when the ack timed out without any peer or store answering (Gun's `lack`). */
  lack?: boolean
}

/** Options of `createEngine`. */
export interface EngineOptions {
  /** Where nodes persist; none keeps everything in memory. */
  storage?: StorageAdapter
  /** True when `storage` survives a restart (so a local ack means durable). Default: true when storage is given. */
  storageIsDurable?: boolean
  /** The state clock stamping local writes; default a new `createClock()`. */
  clock?: StateClock
  /** Checks every put before it merges (SEA's write rules plug in here). */
  verify?: VerifyHook
  /**
   * Most future-state keys held at once. A put whose future keys would pass
   * it (or `maxDeferredBytes`) is refused whole; nothing held is ever evicted.
   * Default 100 000.
   */
  maxDeferred?: number
  /** Most estimated bytes of future-state keys held at once (values counted). Default 64 MiB. */
  maxDeferredBytes?: number
  /** A put with a state further ahead of this clock than this is refused whole. Default 24 h. */
  maxFutureMs?: number
  /**
   * Most nodes kept in memory when there is storage to read them back from
   * (oldest first out; nodes with listeners or writes not yet durable stay).
   * Default 250 000. Without storage, memory is the store and is never trimmed.
   */
  maxMemoryNodes?: number
  /** Most estimated bytes of nodes kept in memory in front of storage (same rules). Default 256 MiB. */
  maxMemoryBytes?: number
}

/** Sizes of the engine's bounded tables (read by /metrics). */
export interface EngineStats {
  memoryNodes: number
  /** Estimated bytes of the nodes in memory (0 when memory is not bounded: no storage). */
  memoryBytes: number
  maxMemoryNodes: number
  maxMemoryBytes: number
  /** Souls with writes storage has not confirmed yet. */
  soulsInFlight: number
  /** Future-state keys held (journaled or waiting), and their estimated bytes. */
  deferred: number
  deferredBytes: number
  /** Puts refused since start because the deferral queue was full, or a state lay past the horizon. */
  deferredRefusedFull: number
  deferredRefusedHorizon: number
}

/** The local graph: HAM merge, memory in front of storage, deferral of future states, listeners. Every instance and relay has one. */
export interface Engine {
  /** The clock stamping this engine's local writes. */
  readonly clock: StateClock
  /** The storage behind memory, if any. */
  readonly storage: StorageAdapter | undefined
  /** True when an ack from `storage` means the write survives a restart. */
  readonly storageIsDurable: boolean
  /**
   * The put pipeline: verify → HAM merge → memory → storage → listeners (once durable). Input must
   * already be validated. Rejects, changing nothing, when a future-state key is refused (horizon, full queue).
   */
  put(nodes: GraphNode[], origin: Origin): Promise<PutOutcome>
  /**
   * The same pipeline, synchronous when it can be (no verify hook, every
   * node already in memory): memory is then updated before this returns.
   */
  apply(nodes: GraphNode[], origin: Origin): PutOutcome | Promise<PutOutcome>
  /**
   * Resolves once the storage's pending journal (future-state writes
   * acknowledged before a restart) is loaded; rejects when it cannot be read.
   * Writes and reads may go on meanwhile.
   */
  readonly ready: Promise<void>
  /**
   * A node from memory, or from storage (then cached). Undefined when nothing is known locally.
   * Committed only: while writes to the soul are not yet durable, storage's view of it.
   */
  read(soul: string): Promise<GraphNode | undefined>
  /** Keys of a node inside a lexical range (served by storage when there is one); committed only, like `read`. */
  readRange(soul: string, range: KeyRange): Promise<GraphNode | undefined>
  /**
   * Souls inside a lexical range (Gun's LEX over souls), from storage and
   * memory merged: in lexical order (reversed on request), at most `range.limit`.
   */
  souls(range: KeyRange): Promise<string[]>
  /** The in-memory node, without touching storage, writes not yet durable included (this process's own view). Do not mutate it. */
  peek(soul: string): GraphNode | undefined
  /**
   * `peek` for readers outside this process (REST): while writes to the
   * soul are not yet durable, storage's committed view (a copy, when the
   * store answers synchronously; else undefined, and `read` answers).
   */
  peekCommitted(soul: string): GraphNode | undefined
  /** Call `listener(changedKeys)` whenever keys of `soul` change. Returns the unsubscribe. */
  watch(soul: string, listener: (changed: GraphNode) => void): () => void
  /** Every applied change (the mesh relays from here). Returns the unsubscribe. */
  onChange(listener: ChangeListener): () => void
  /** Number of souls held in memory. */
  readonly size: number
  /** Sizes of the bounded tables, for metrics. */
  stats(): EngineStats
  /** Stop deferrals and listeners, then close storage (once its pending journal is read). */
  close(): Promise<void>
}
