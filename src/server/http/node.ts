import WebSocket from 'ws'
import { createSeaRules } from '../../sea/enforce.js'
import { useEcdsa } from '../../sea/ecdsa.js'
import { relayEcdsa } from '../../sea/verify-threads.js'
import { createEngine } from '../../core/engine.js'
import type { Engine } from '../../core/engine-types.js'
import type { StorageAdapter } from '../../core/storage-contract.js'
import type { RootChain } from '../../instance.js'
import { validationLimits, type ValidationLimits } from '../../core/validate.js'
import { DEFAULT_LIMITS, type MeshLimits } from '../../mesh/limits.js'
import { createMesh, type Mesh, type MeshStats } from '../../mesh/mesh.js'
import { dial, type Dialer } from '../../transport/ws-client.js'
import type { WebSocketConstructor } from '../../transport/websocket-like.js'
import { openRelayStorage } from '../storage.js'
import { memoryCursors } from '../../mesh/catch-up.js'
import { openCursorFile, relayIdentity, type CursorFile } from '../relay-state.js'
import { createHttpRoot, HTTP_ORIGIN } from './http-root.js'

// A relay verifies every signed put: on Node's crypto (~10 µs of CPU less per verification than WebCrypto,
// ecdsa-node.ts), on threads of its own so its disk's fsyncs never queue behind them (verify-threads.ts).
useEcdsa(relayEcdsa)

/** Options of `createTrellisNode`: storage, peers, identity, limits. */
export interface TrellisNodeOptions {
  /** The log engine in this directory (fsync before ack). Memory when neither this nor `storage` is given. */
  dataDir?: string
  /** With `dataDir`: the log refuses writes that would take it past this many bytes on disk. */
  quotaBytes?: number
  /** With `dataDir`: estimated bytes of decoded nodes the log keeps in its read cache (default 64 MiB). */
  storageCacheBytes?: number
  storage?: StorageAdapter
  /** Whether `storage` survives a restart. Default true for a given storage. */
  storageIsDurable?: boolean
  /** Other relays to peer with (`http(s)://host:port/gun` or `ws(s)://…`). */
  peers?: string[]
  /** This relay's id in the `?` handshake. Default: kept in `dataDir` (made once), else random. */
  pid?: string
  /**
   * Catch-up between relays (docs/mesh.md): a pass over each relay link's change feed on every
   * (re)connect and then every this many ms (default 30 s; 0 = on (re)connect only; negative = off).
   */
  syncIntervalMs?: number
  /** Bytes of records per catch-up page this relay serves (default 256 KiB). */
  syncPageBytes?: number
  /**
   * The cluster's shared secret: relays that dial us prove with it that they are relay peers (an HMAC
   * over our greeting's nonce; the secret never crosses the wire). `--peer-secret`, `TRELLIS_PEER_SECRET`.
   */
  peerSecret?: string
  /** Nodes kept in memory in front of the storage (default 250 000; memory-only nodes keep everything). */
  maxMemoryNodes?: number
  /** Estimated bytes of those nodes (default 256 MiB). */
  maxMemoryBytes?: number
  /** Future-state keys held until due, by count (default 100 000) and estimated bytes (default 64 MiB). */
  maxDeferred?: number
  maxDeferredBytes?: number
  /** States further ahead of this relay's clock refuse their put (default 24 h). */
  maxFutureMs?: number
  limits?: Partial<MeshLimits>
  /**
   * Non-user souls are read-only for unsigned writers (stock Gun's `opt.secure`): only user space
   * (`~pub`, signed), aliases and content-addressed souls take writes. SEA's rules for those always apply.
   */
  secure?: boolean
  /** Soul, key and value sizes every write is checked against (wire, REST, chain); `maxSoulChars` also bounds the mesh's. */
  validation?: Partial<ValidationLimits>
  /** Where the node writes its log lines (storage recovery, peers). Default: nowhere. */
  log?: (line: string) => void
}

/** Operation counts since start, by where they came from (read by /metrics). */
export interface TrellisCounters {
  /** Node reads answered for peers over the wire. */
  wireReads: number
  /** Node diffs applied, by origin. */
  writesFromPeers: number
  writesFromHttp: number
  writesLocal: number
}

/** A node's table sizes and counters: the mesh's, plus souls in memory and outgoing relay links. */
export interface TrellisNodeStats extends MeshStats {
  souls: number
  dialers: { url: string; connected: boolean }[]
}

/**
 * Everything of a relay except HTTP: engine + storage + mesh in relay mode +
 * outgoing relay connections, and a chain root for the HTTP API. The
 * Fastify plugin, the adapters and `createRelay` all sit on one of these.
 */
export interface TrellisNode {
  readonly engine: Engine
  readonly mesh: Mesh
  /** A chain over the relay's own graph; its writes reach subscribed peers like a peer's would. */
  readonly db: RootChain
  readonly storage: StorageAdapter
  readonly storageIsDurable: boolean
  readonly limits: MeshLimits
  readonly validation: ValidationLimits
  readonly dialers: readonly Dialer[]
  readonly startedAt: number
  readonly counters: TrellisCounters
  readonly closed: boolean
  /** Peer with another relay from now on (same as listing it in `peers`). */
  addPeer(url: string): void
  /** Table sizes and counters, as `/metrics` reports them. */
  stats(): TrellisNodeStats
  /** Close peers, the mesh and storage (after pending writes flush). */
  close(): Promise<void>
}

/** A relay's engine, storage, mesh and peer links without HTTP: what the plugin, the adapters and `createRelay` serve. Opens `dataDir`'s log, or uses `storage`, or memory. */
export async function createTrellisNode(options: TrellisNodeOptions = {}): Promise<TrellisNode> {
  const log = options.log ?? (() => {})
  let storage = options.storage
  let durable = options.storageIsDurable ?? storage !== undefined
  if (storage === undefined)
    ({ storage, durable } = await openRelayStorage(options.dataDir, { quotaBytes: options.quotaBytes, cacheBytes: options.storageCacheBytes }))
  // A relay with a data directory keeps its pid across restarts (other relays' cursors into its feed
  // are keyed by it) and the cursors it holds into theirs (catch-up resumes where it stopped).
  let pid = options.pid
  let cursorFile: CursorFile | undefined
  const syncIntervalMs = options.syncIntervalMs ?? 30_000
  const dataDir = options.storage === undefined && options.dataDir !== undefined && options.dataDir !== '' ? options.dataDir : undefined
  if (dataDir !== undefined) {
    try {
      pid ??= await relayIdentity(dataDir)
      if (syncIntervalMs >= 0) cursorFile = await openCursorFile(dataDir, { log })
    } catch (error) {
      await storage.close().catch(() => {})
      throw error
    }
  }
  const engine = createEngine({
    storage,
    storageIsDurable: durable,
    // SEA's write rules (user space signed, aliases self-consistent, certificates), on every put from anywhere.
    verify: createSeaRules({ secure: options.secure, readKey: (soul, key) => engine.read(soul).then((node) => node?.get(key)) }),
    maxMemoryNodes: options.maxMemoryNodes,
    maxMemoryBytes: options.maxMemoryBytes,
    maxDeferred: options.maxDeferred,
    maxDeferredBytes: options.maxDeferredBytes,
    maxFutureMs: options.maxFutureMs,
  })
  // Future-state writes acknowledged before a restart are held again before the relay takes traffic.
  try {
    await engine.ready
  } catch (error) {
    await engine.close().catch(() => {})
    throw error
  }
  const validation = validationLimits({ maxSoulChars: options.limits?.maxSoulChars, ...options.validation })
  // The validation limits ride along in the mesh's limits: every graph a peer sends is checked against them.
  const limits: MeshLimits = { ...DEFAULT_LIMITS, ...options.limits, ...validation }
  const dialers: Dialer[] = []
  const counters: TrellisCounters = { wireReads: 0, writesFromPeers: 0, writesFromHttp: 0, writesLocal: 0 }
  engine.onChange((changed, origin) => {
    if (origin.kind === 'peer') {
      if (origin.peer === HTTP_ORIGIN) counters.writesFromHttp += changed.length
      else counters.writesFromPeers += changed.length
    } else counters.writesLocal += changed.length
  })
  // The mesh reads through a view that counts, so /metrics can report wire reads without touching the mesh.
  const meshEngine: Engine = Object.create(engine, {
    read: {
      value: (soul: string) => {
        counters.wireReads++
        return engine.read(soul)
      },
    },
    readRange: {
      value: (soul: string, range: Parameters<Engine['readRange']>[1]) => {
        counters.wireReads++
        return engine.readRange(soul, range)
      },
    },
  }) as Engine
  const feed = storage.changes?.bind(storage)
  const catchUp =
    syncIntervalMs < 0 ? undefined : { feed, cursors: cursorFile ?? memoryCursors(1000), intervalMs: syncIntervalMs, pageBytes: options.syncPageBytes }
  const mesh = createMesh({
    engine: meshEngine,
    pid,
    relay: true,
    catchUp,
    peerSecret: options.peerSecret,
    limits,
    log,
    mobPeers: () => dialers.map((d) => d.url),
  })
  const db = createHttpRoot(engine, validation)
  // REST reads ask the relay's peers, as the CLI does through /gun; REST writes are acknowledged by storage
  // and reach peers through the engine's change listener, as a peer's writes do.
  const relays = mesh.network
  db.root.setNetwork({
    get peerCount() {
      return relays.peerCount
    },
    get hasPeers() {
      return relays.hasPeers
    },
    writesNeedPeerAck: false,
    ready: (timeoutMs) => relays.ready?.(timeoutMs) ?? Promise.resolve(false),
    fetch: (soul, key) => relays.fetch(soul, key),
    publish: () => {},
  })
  let closed = false
  let closing: Promise<void> | undefined

  const addPeer = (url: string) => {
    // reason: the `ws` class implements the W3C surface the dialler uses; its event typings are narrower.
    dialers.push(dial(mesh, url, { WebSocket: WebSocket as unknown as WebSocketConstructor, relay: true, log }))
  }
  for (const url of options.peers ?? []) addPeer(url)

  const store = storage
  return {
    engine,
    mesh,
    db,
    storage: store,
    storageIsDurable: durable,
    limits,
    validation,
    dialers,
    startedAt: Date.now(),
    counters,
    get closed() {
      return closed
    },
    addPeer,
    stats() {
      return { ...mesh.stats(), souls: engine.size, dialers: dialers.map((d) => ({ url: d.url, connected: d.connected })) }
    },
    close() {
      closing ??= (async () => {
        closed = true
        for (const dialer of dialers) dialer.close()
        mesh.close()
        await cursorFile?.flush()
        // Writes already handed to the chain finish (and reach storage) before storage closes.
        await db.synced()
        await engine.close()
      })()
      return closing
    },
  }
}
