import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Engine } from '../core/engine-types.js'
import type { RootChain } from '../instance.js'
import type { Mesh, MeshStats } from '../mesh/mesh.js'
import type { SocketServer } from '../transport/ws-server.js'
import { createTrellisApp, type TrellisAppOptions } from './http/app.js'
import type { GunSockets } from '../transport/socket-pool.js'
import { createPathMatcher, forwardUpgrades } from './http/mount.js'
import type { TrellisNode, TrellisNodeOptions } from './http/node.js'

/** HTTP settings of the relay's Fastify app (the rest of TrellisAppOptions is spelled out below). */
type RelayHttpOptions = Pick<
  TrellisAppOptions,
  | 'admin'
  | 'static'
  | 'browserScript'
  | 'api'
  | 'health'
  | 'metrics'
  | 'defaultMetrics'
  | 'cors'
  | 'bodyLimit'
  | 'maxSubscribers'
  | 'logger'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'draining'
>

/** The node's options (data, storage, peers, limits, log) plus where to listen. */
export interface RelayOptions extends RelayHttpOptions, TrellisNodeOptions {
  /** Attach to this server's upgrades (like Gun's `web` option) instead of listening on our own. */
  server?: Server
  /** Listen on our own HTTP server (ignored with `server`). Default 8765; 0 picks a free port. */
  port?: number
  host?: string
  /** WebSocket path. Default `/gun`. */
  path?: string
  heartbeatMs?: number
}

/** A running relay (`createRelay`): its parts, its address, and `close()`. */
export interface Relay {
  readonly engine: Engine
  readonly mesh: Mesh
  readonly sockets: SocketServer
  /** The HTTP server: ours, or the one given. */
  readonly server: Server
  /** The Fastify app serving `/gun`, the REST API, health, metrics and the admin UI. */
  readonly app: FastifyInstance
  readonly node: TrellisNode
  /** A chain over the relay's own graph (writes reach subscribed peers). */
  readonly db: RootChain
  /** `http://host:port/gun` once listening (on our own server). */
  readonly url: string
  readonly port: number
  /** Peer with another relay from now on (same as listing it in `peers`). */
  addPeer(url: string): void
  /** Table sizes and counters, as `/metrics` reports them. */
  stats(): RelayStats
  /** Stop listening, close peers and sockets, flush and close storage. */
  close(): Promise<void>
}

/** A relay's table sizes and counters: the mesh's, plus souls in memory, clients and outgoing relay links. */
export interface RelayStats extends MeshStats {
  souls: number
  clients: number
  dialers: { url: string; connected: boolean }[]
}

/**
 * A relay: the Trellis Fastify plugin (engine + storage + mesh in relay
 * mode, Gun's WebSocket at `/gun`, REST API, health, metrics, admin UI) in
 * its own app, peered with other relays. Resolves once it listens (or is
 * attached to `server`).
 */
export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const path = options.path ?? '/gun'
  let gun: GunSockets | undefined
  const { app, node } = await createTrellisApp({
    ...options,
    admin: options.admin ?? true,
    gunPath: path,
    dataDir: options.dataDir,
    storage: options.storage,
    storageIsDurable: options.storageIsDurable,
    peers: options.peers,
    pid: options.pid,
    peerSecret: options.peerSecret,
    limits: options.limits,
    log: options.log,
    heartbeatMs: options.heartbeatMs,
    onGunSockets: (sockets) => (gun = sockets),
  })
  const sockets = gun as GunSockets
  const matches = createPathMatcher({ gunPath: path, admin: false })
  const detachers: (() => void)[] = []

  let server: Server
  let host = options.host ?? '127.0.0.1'
  if (options.server !== undefined) {
    server = options.server
    detachers.push(forwardUpgrades(server, app, matches))
  } else {
    server = app.server
    try {
      await app.listen({ port: options.port ?? 8765, host })
    } catch (error) {
      await app.close()
      throw error
    }
  }
  let port = 0
  const address = server.address()
  if (address !== null && typeof address === 'object') {
    port = (address as AddressInfo).port
    host = (address as AddressInfo).address
  }

  const socketServer: SocketServer = {
    handleUpgrade(request, socket, head) {
      if (!matches(request.url ?? '')) return false
      app.server.emit('upgrade', request, socket, head)
      return true
    },
    attach(other) {
      const detach = forwardUpgrades(other, app, matches)
      detachers.push(detach)
      return detach
    },
    get clients() {
      return sockets.clients
    },
    close: () => sockets.close(),
  }

  const displayHost = host.includes(':') ? `[${host}]` : host
  return {
    engine: node.engine,
    mesh: node.mesh,
    sockets: socketServer,
    server,
    app,
    node,
    db: node.db,
    url: `http://${displayHost}:${port}${path}`,
    port,
    addPeer: (url) => node.addPeer(url),
    stats() {
      return { ...node.stats(), clients: sockets.clients }
    },
    async close() {
      for (const detach of detachers) detach()
      await app.close()
    },
  }
}
