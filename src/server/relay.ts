import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { createEngine } from '../core/engine.js'
import type { Engine } from '../core/engine-types.js'
import type { StorageAdapter } from '../core/storage-contract.js'
import { DEFAULT_LIMITS, type MeshLimits } from '../mesh/limits.js'
import { createMesh, type Mesh, type MeshStats } from '../mesh/mesh.js'
import { dial, type Dialer } from '../transport/ws-client.js'
import type { WebSocketConstructor } from '../transport/websocket-like.js'
import { createSocketServer, type SocketServer } from '../transport/ws-server.js'
import { openRelayStorage } from './storage.js'

export interface RelayOptions {
  /** Attach to this server's upgrades (like Gun's `web` option) instead of listening on our own. */
  server?: Server
  /** Listen on our own HTTP server (ignored with `server`). Default 8765; 0 picks a free port. */
  port?: number
  host?: string
  /** WebSocket path. Default `/gun`. */
  path?: string
  /** Where to keep data: the log engine in this directory. Memory when neither this nor `storage` is given. */
  dataDir?: string
  storage?: StorageAdapter
  /** Whether `storage` survives a restart. Default true for a given storage. */
  storageIsDurable?: boolean
  /** Other relays to peer with (`http(s)://host:port/gun` or `ws(s)://…`). */
  peers?: string[]
  pid?: string
  limits?: Partial<MeshLimits>
  heartbeatMs?: number
  log?: (line: string) => void
}

export interface Relay {
  readonly engine: Engine
  readonly mesh: Mesh
  readonly sockets: SocketServer
  /** The HTTP server: ours, or the one given. */
  readonly server: Server
  /** `http://host:port/gun` once listening (on our own server). */
  readonly url: string
  readonly port: number
  /** Peer with another relay from now on (same as listing it in `peers`). */
  addPeer(url: string): void
  stats(): RelayStats
  close(): Promise<void>
}

export interface RelayStats extends MeshStats {
  souls: number
  clients: number
  dialers: { url: string; connected: boolean }[]
}

/**
 * A relay: engine + storage + mesh in relay mode + the WebSocket server,
 * peered with other relays. Resolves once it listens (or is attached).
 */
export async function createRelay(options: RelayOptions = {}): Promise<Relay> {
  const log = options.log ?? (() => {})
  let storage = options.storage
  let durable = options.storageIsDurable ?? storage !== undefined
  if (storage === undefined) ({ storage, durable } = await openRelayStorage(options.dataDir))
  const engine = createEngine({ storage, storageIsDurable: durable })
  const limits: MeshLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const dialers: Dialer[] = []
  const mesh = createMesh({
    engine,
    pid: options.pid,
    relay: true,
    limits,
    log,
    mobPeers: () => dialers.map((d) => d.url),
  })
  const sockets = createSocketServer(mesh, limits.maxFrameChars, { path: options.path, heartbeatMs: options.heartbeatMs })
  const server = options.server ?? createServer(serveHttp)
  const detach = sockets.attach(server)
  const path = options.path ?? '/gun'

  let port = 0
  let host = options.host ?? '127.0.0.1'
  if (options.server === undefined) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 8765, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }
  const address = server.address()
  if (address !== null && typeof address === 'object') {
    port = (address as AddressInfo).port
    host = (address as AddressInfo).address
  }

  const addPeer = (url: string) => {
    // reason: the `ws` class implements the W3C surface the dialler uses; its event typings are narrower.
    dialers.push(dial(mesh, url, { WebSocket: WebSocket as unknown as WebSocketConstructor, relay: true, log }))
  }
  for (const url of options.peers ?? []) addPeer(url)

  const displayHost = host.includes(':') ? `[${host}]` : host
  return {
    engine,
    mesh,
    sockets,
    server,
    url: `http://${displayHost}:${port}${path}`,
    port,
    addPeer,
    stats() {
      return {
        ...mesh.stats(),
        souls: engine.size,
        clients: sockets.clients,
        dialers: dialers.map((d) => ({ url: d.url, connected: d.connected })),
      }
    },
    async close() {
      for (const dialer of dialers) dialer.close()
      detach()
      mesh.close()
      await sockets.close()
      if (options.server === undefined) {
        server.closeAllConnections?.()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
      await engine.close()
    },
  }
}

function serveHttp(request: IncomingMessage, response: ServerResponse): void {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n')
    return
  }
  response.writeHead(404, { 'content-type': 'text/plain' }).end('Trellis relay: WebSocket at /gun\n')
}
