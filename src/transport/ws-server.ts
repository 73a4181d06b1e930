import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { Mesh } from '../mesh/mesh.js'
import { createGunSockets } from './socket-pool.js'

/** Options of `createSocketServer`. */
export interface SocketServerOptions {
  /** Where the WebSocket lives (Gun: `/gun`; a query string is allowed, as in npm Gun). */
  path?: string
  /**
   * Hard cap on one frame in bytes; past it the socket is closed (1009).
   * Frames below it but over the mesh's `maxFrameChars` get Gun's
   * `Message too big!` and the connection stays. Default: 2 × maxFrameChars.
   */
  maxPayload?: number
  /** `"[]"` to every socket this often, as stock relays do (20 s). */
  heartbeatMs?: number
  /** Protocol-level ping; a socket that missed one pong is terminated. */
  pingMs?: number
  /** Bytes of partially received frames across all sockets; past it the socket holding most is closed (1009). Default 64 MiB. */
  maxPartialFrameBytes?: number
}

/**
 * The relay's WebSocket side as a reusable piece: give it upgrade requests
 * (from any `http.Server`, or a Fastify plugin later) and it connects each
 * socket to the mesh. Uses `ws` with `noServer`, so it never owns a port.
 */
export interface SocketServer {
  /** Take an upgrade request; false when it is not for our path (someone else may want it). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean
  /** Listen for upgrades on a server; returns the detach function. */
  attach(server: Server): () => void
  /** Open sockets. */
  readonly clients: number
  /** Close every socket (the HTTP server is yours to close). */
  close(): Promise<void>
}

/** Gun's WebSocket endpoint on a mesh, for an HTTP server you run yourself. `maxFrameChars` is the mesh's frame limit: larger frames get `Message too big!`, and frames past `maxPayload` (default twice it) close the socket. */
export function createSocketServer(mesh: Mesh, maxFrameChars: number, options: SocketServerOptions = {}): SocketServer {
  const path = options.path ?? '/gun'
  const maxPayload = options.maxPayload ?? maxFrameChars * 2
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false })
  const pool = createGunSockets(mesh, {
    maxPayload,
    heartbeatMs: options.heartbeatMs,
    pingMs: options.pingMs,
    maxPartialFrameBytes: options.maxPartialFrameBytes,
  })

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = request.url ?? ''
    const q = url.indexOf('?')
    if ((q === -1 ? url : url.slice(0, q)) !== path) return false
    socket.on('error', () => {})
    wss.handleUpgrade(request, socket, head, (ws) => pool.accept(ws))
    return true
  }

  return {
    handleUpgrade,
    attach(server) {
      const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!handleUpgrade(request, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy()
      }
      server.on('upgrade', listener)
      return () => server.off('upgrade', listener)
    },
    get clients() {
      return pool.clients
    },
    async close() {
      await pool.close()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
