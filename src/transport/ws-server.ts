import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { Mesh } from '../mesh/mesh.js'

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
  readonly clients: number
  close(): Promise<void>
}

export function createSocketServer(mesh: Mesh, maxFrameChars: number, options: SocketServerOptions = {}): SocketServer {
  const path = options.path ?? '/gun'
  const heartbeatMs = options.heartbeatMs ?? 20_000
  const pingMs = options.pingMs ?? 30_000
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload ?? maxFrameChars * 2,
    perMessageDeflate: false,
    clientTracking: true,
  })
  const alive = new WeakMap<WebSocket, boolean>()

  wss.on('connection', (ws: WebSocket) => {
    alive.set(ws, true)
    const handle = mesh.connect(
      {
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text)
        },
        close: (code, reason) => ws.close(code, reason),
        bufferedAmount: () => ws.bufferedAmount,
      },
      { outgoing: false },
    )
    ws.on('message', (data, isBinary) => {
      // Gun ignores binary frames; text arrives as a Buffer in ws 8.
      if (isBinary) return
      handle.hear(Array.isArray(data) ? Buffer.concat(data).toString() : data.toString())
    })
    ws.on('pong', () => alive.set(ws, true))
    ws.on('close', () => handle.closed())
    ws.on('error', () => {
      // reason: ws reports protocol violations (e.g. frames over maxPayload) here before closing; close follows.
    })
  })

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) if (ws.readyState === ws.OPEN) ws.send('[]')
  }, heartbeatMs)
  heartbeat.unref()
  const ping = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate()
        continue
      }
      alive.set(ws, false)
      try {
        ws.ping()
      } catch {
        // reason: a socket closing under us; terminate on the next round.
      }
    }
  }, pingMs)
  ping.unref()

  const handleUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = request.url ?? ''
    const q = url.indexOf('?')
    if ((q === -1 ? url : url.slice(0, q)) !== path) return false
    socket.on('error', () => {})
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
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
      return wss.clients.size
    },
    close() {
      clearInterval(heartbeat)
      clearInterval(ping)
      for (const ws of wss.clients) ws.terminate()
      return new Promise((resolve) => wss.close(() => resolve()))
    },
  }
}
