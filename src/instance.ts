import { Chain, type Listener } from './core/chain/chain.js'
import { createRoot, type Root } from './core/chain/root.js'
import type { SyncStatus, SyncStatusListener } from './core/chain/sync-status.js'
import type { StateClock } from './core/clock.js'
import { createEngine } from './core/engine.js'
import type { VerifyHook } from './core/engine-types.js'
import type { StorageAdapter } from './core/storage-contract.js'
import type { ValidationLimits } from './core/validate.js'
import type { Value } from './core/types.js'
import { plainWire } from './core/user-space.js'
import type { Mesh } from './mesh/mesh-types.js'
import type { ChainListener, Events } from './plugins/event-chain.js'
import { createWireContext, type PluginContext, type WireContext } from './plugins/wire-context.js'
import { browserSessionStore } from './sea/browser-session.js'
import { createSeaRules } from './sea/enforce.js'
import { createSigner } from './sea/signer.js'
import { type RecallOptions, type SessionStore, User } from './sea/user.js'
import { shareWithTabs } from './transport/tab-channel.js'

/** Options shared by `createDb` and the Gun drop-in. */
export interface InstanceOptions {
  /** Relay or peer URLs (`http://host:8765/gun`; `http` is rewritten to `ws`). */
  peers?: string[]
  /** Where the graph is kept; memory only when absent. */
  storage?: StorageAdapter
  /** Whether `storage` survives a restart, so its ack means durable. Default: true when storage is given. */
  storageIsDurable?: boolean
  /** How long a write waits for a peer's ack before reporting `lack` (default 9000 ms, as Gun). */
  ackTimeout?: number
  /** How long a read waits for a first connection to `peers` (default 3000 ms). */
  connectTimeout?: number
  clock?: StateClock
  /** Replaces SEA's write rules (trellis/sea's `createSeaRules`, on by default) with your own check. */
  verify?: VerifyHook
  /** Non-user souls are read-only for unsigned writers (stock Gun's `opt.secure`). */
  secure?: boolean
  /** Where `user().recall(options)` keeps sessions (Node entries: a file; browsers: sessionStorage). */
  sessionStore?: (options: RecallOptions) => SessionStore | undefined
  /** Most future-state keys held at once (default 100 000), and their estimated bytes (default 64 MiB). */
  maxDeferred?: number
  maxDeferredBytes?: number
  /** States further ahead of this clock refuse their put (default 24 h). */
  maxFutureMs?: number
  /** Most nodes kept in memory when `storage` can give them back (default 250 000), and their estimated bytes (default 256 MiB). */
  maxMemoryNodes?: number
  maxMemoryBytes?: number
  /** Soul, key and value sizes this instance's puts are checked against (core/validate.ts defaults: 4096, 4096, 4 Mi chars). */
  validation?: Partial<ValidationLimits>
  /**
   * Share live changes with other instances of this origin (other tabs) on the BroadcastChannel of this name: a
   * write in one fires the others' listeners at once, relay or not. The browser entries set it to
   * `trellis:<IndexedDB name>` when they persist; `false` turns it off. Default: off.
   */
  broadcastChannel?: string | false
}

/** An instance's link to its peers: close it, and (when the transport can) dial one more peer. */
export interface Connection {
  /** Disconnect from every peer. */
  close(): Promise<void>
  /** Dial one more peer from now on. */
  addPeer?(url: string): void
  /** The mesh the peers are attached to, when the transport has one (Gun.on('opt') plugins attach to it too). */
  readonly mesh?: Mesh
}

/**
 * Connects an instance to its peers (the runtime entries supply one): a Connection, or just how to
 * disconnect. `mesh`: the instance has one already (its plugins'): attach the peers to it, and leave it open on close.
 */
export type Connect = (root: Root, options: InstanceOptions, mesh?: Mesh) => Connection | (() => Promise<void>) | undefined

/** The Gun constructor's plugin hooks (`Gun.on`) as an instance meets them. */
export interface InstancePlugins {
  /** `Gun.on`: its `opt` handlers run with the new instance's plugin context. */
  events: Events
  /** The options as the app passed them (the context's `opt`). */
  opt: Record<string, unknown>
}

/** What a root chain is made with besides its root; `createInstance` fills them in. */
export interface RootParts {
  /** The link to its peers, when made already. */
  connection?: Connection
  /** Where `user().recall()` keeps sessions. */
  sessionStore?: InstanceOptions['sessionStore']
  /** Dials peers added later (`opt({ peers })`), attaching them to the plugins' mesh when there is one. */
  connectLater?: (peers: string[], mesh: Mesh | undefined) => Connection | undefined
  /** The peers dialled at construction (not dialled again by `opt`). */
  peers?: readonly string[]
  /** Stops sharing changes with other tabs. */
  stopSharing?: () => void
  /** The options as the app passed them, for plugins (their context's `opt`). */
  pluginOptions?: Record<string, unknown>
}

const asConnection = (made: ReturnType<Connect>): Connection | undefined => (typeof made === 'function' ? { close: made } : made)

/** The chain at the root of an instance, with the instance-wide controls. */
export class RootChain extends Chain {
  private connection: Connection | undefined
  private readonly sessionStore: InstanceOptions['sessionStore']
  private readonly connectLater: ((peers: string[]) => Connection | undefined) | undefined
  private readonly dialled = new Set<string>()
  private account: User | undefined = undefined
  /** Unsubscribes of the `onSyncStatus` listeners: a closed instance tells them nothing more. */
  private readonly statusListeners = new Set<() => void>()
  /** Stops sharing changes with other tabs (see `broadcastChannel`). */
  private stopSharing: (() => void) | undefined
  private wire: WireContext | undefined = undefined
  private readonly pluginOptions: Record<string, unknown>

  constructor(root: Root, parts: RootParts = {}) {
    super(root, undefined, { kind: 'root' })
    const connectLater = parts.connectLater
    this.connection = parts.connection
    this.sessionStore = parts.sessionStore
    this.connectLater = connectLater === undefined ? undefined : (urls) => connectLater(urls, this.pluginMesh)
    this.pluginOptions = parts.pluginOptions ?? {}
    for (const url of parts.peers ?? []) this.dialled.add(url)
    this.stopSharing = parts.stopSharing
  }

  /**
   * This instance's plugin context (what Gun.on('opt') handlers receive), made on first use: its
   * `in` and `out` chains, wired to the instance's mesh (docs/migrating-from-gun.md, Plugins).
   */
  plugins(): PluginContext {
    if (this.wire === undefined) {
      const connection = this.connection
      // A connection without a mesh of its own (a tab going through another tab's, a custom Connect) owns the network.
      if (connection !== undefined && connection.mesh === undefined) {
        throw new Error("Plugins cannot attach to this instance's connection (it has no mesh of its own): register Gun.on('opt') before creating the instance")
      }
      this.wire = createWireContext({ root: this.root, chain: this, opt: this.pluginOptions, mesh: connection?.mesh })
    }
    return this.wire.ctx
  }

  /** The mesh of this instance's plugins, once they have one (a connection made later attaches to it). @internal */
  get pluginMesh(): Mesh | undefined {
    return this.wire?.mesh
  }

  /** The connection made at construction (createInstance), after the plugins' mesh when there are plugins. @internal */
  connectFirst(made: ReturnType<Connect>): void {
    this.connection = asConnection(made)
  }

  /** Call `listener` now (when data exists) and on every change. */
  override on(listener: Listener): this
  /**
   * Stock's root events: `on('in' | 'out', handler)` registers a handler on this instance's
   * plugin chains (returned; `.off()` unregisters); `on('in', msg)` hands a message in, as a
   * transport plugin does (see `plugins()`).
   */
  override on(tag: string, handler: (this: ChainListener, msg: unknown) => void): ChainListener
  override on(tag: string, msg: unknown): void
  override on(first: Listener | string, second?: unknown): this | ChainListener | undefined {
    if (typeof first !== 'string') return super.on(first)
    return (this.plugins().on as (tag: string, arg: unknown) => ChainListener | undefined)(first, second)
  }

  /**
   * Gun's `opt({ peers })`: connect to more peers while running (other options are taken at
   * construction only). A URL already dialled is not dialled again.
   */
  opt(options: { peers?: string | string[] | Record<string, unknown> }): this {
    const given = options.peers
    const urls = typeof given === 'string' ? [given] : Array.isArray(given) ? given : given !== undefined && given !== null ? Object.keys(given) : []
    const fresh = urls.filter((url) => typeof url === 'string' && url !== '' && !this.dialled.has(url))
    if (fresh.length === 0) return this
    for (const url of fresh) this.dialled.add(url)
    if (this.connection === undefined) {
      if (this.connectLater === undefined) throw new Error('This runtime has no network transport: import trellis from Node or a browser to use peers')
      this.connection = this.connectLater(fresh)
    } else if (this.connection.addPeer !== undefined) {
      for (const url of fresh) this.connection.addPeer(url)
    }
    return this
  }

  /**
   * `user()`: this instance's account (create, auth, leave, recall, and its signed space);
   * `user(pub)`: another user's space, `~<pub>`, to read (or write with their certificate).
   */
  user(): User
  user(pub: string): Chain
  user(pub?: string): User | Chain {
    if (pub !== undefined) return this.get(`~${pub.startsWith('~') ? pub.slice(1) : pub}`)
    if (this.account === undefined) {
      const root = this.root
      const stores = this.sessionStore ?? browserSessionStore
      const user = new User({
        chain: this,
        async readNode(soul) {
          const { node } = await root.load(soul)
          if (node === undefined) return undefined
          const data = plainWire(node) as Record<string, Value>
          delete data._
          return data
        },
        sessionStore: (options) => stores(options),
      })
      // From now on the logged-in user's writes are signed before they leave.
      root.setWriteHook(createSigner(() => user.pair))
      this.account = user
    }
    return this.account
  }

  /** Resolves when every write made so far is acknowledged (by a peer when there are peers, else by storage). */
  synced(): Promise<void> {
    return this.root.synced()
  }

  /** Writes still waiting for their acknowledgement. */
  get pending(): number {
    return this.root.pending
  }

  /**
   * Where this instance's writes stand: `'offline'` (peers configured, none connected), `'syncing'` (writes
   * waiting for their ack) or `'synced'`. Writes kept in the offline queue from before a reload count as waiting.
   */
  get syncStatus(): SyncStatus {
    return this.root.syncStatus
  }

  /** Call `listener` with the new status each time `syncStatus` changes; returns the unsubscribe. */
  onSyncStatus(listener: SyncStatusListener): () => void {
    const unsubscribe = this.root.onSyncStatus(listener)
    this.statusListeners.add(unsubscribe)
    return () => {
      this.statusListeners.delete(unsubscribe)
      unsubscribe()
    }
  }

  /** Disconnect from peers, detach plugins and close storage. */
  async close(): Promise<void> {
    for (const unsubscribe of this.statusListeners) unsubscribe()
    this.statusListeners.clear()
    this.stopSharing?.()
    this.stopSharing = undefined
    if (this.connection !== undefined) await this.connection.close()
    this.wire?.close()
    await this.root.engine.close()
  }
}

/**
 * An instance: engine, storage (memory unless given) and the chain root; `connect` links it to `peers`
 * (the runtime entry points pass one that dials WebSockets); `plugins`: the Gun constructor's hooks.
 */
export function createInstance(options: InstanceOptions = {}, connect?: Connect, plugins?: InstancePlugins): RootChain {
  const engine = createEngine({
    storage: options.storage,
    storageIsDurable: options.storageIsDurable,
    clock: options.clock,
    verify: options.verify ?? createSeaRules({ secure: options.secure, readKey: (soul, key) => engine.read(soul).then((node) => node?.get(key)) }),
    maxDeferred: options.maxDeferred,
    maxDeferredBytes: options.maxDeferredBytes,
    maxFutureMs: options.maxFutureMs,
    maxMemoryNodes: options.maxMemoryNodes,
    maxMemoryBytes: options.maxMemoryBytes,
  })
  const root = createRoot(engine, { ackTimeout: options.ackTimeout, connectTimeout: options.connectTimeout, limits: options.validation })
  const wantsPeers = options.peers !== undefined && options.peers.length > 0
  if (wantsPeers && connect === undefined) {
    throw new Error('This runtime has no network transport: import trellis from Node or a browser to use peers')
  }
  const connectLater = connect === undefined ? undefined : (peers: string[], mesh: Mesh | undefined) => asConnection(connect(root, { ...options, peers }, mesh))
  const stopSharing = typeof options.broadcastChannel === 'string' ? shareWithTabs(engine, options.broadcastChannel, root.limits) : undefined
  // Stock runs Gun.on('opt'), then Gun.on('create'), for every new instance; with no handler registered, no context is made (no cost).
  const wantsPlugins = plugins !== undefined && (plugins.events.has('opt') || plugins.events.has('create'))
  const chain = new RootChain(root, { sessionStore: options.sessionStore, connectLater, peers: options.peers, stopSharing, pluginOptions: plugins?.opt })
  // With plugins, their mesh comes first and the peers attach to it: the instance holds its own connection.
  const ctx = wantsPlugins ? chain.plugins() : undefined
  if (wantsPeers && connect !== undefined) chain.connectFirst(connect(root, options, ctx === undefined ? undefined : chain.pluginMesh))
  if (plugins !== undefined && ctx !== undefined) {
    plugins.events.on('opt', ctx)
    plugins.events.on('create', ctx)
  }
  return chain
}
