import type { WebSocket } from 'ws'
import type { Mesh } from '../mesh/mesh.js'

export interface GunSocketsOptions {
  /** Frames past this many bytes close the connection with 1009 (the mesh answers smaller oversized ones with `Message too big!`). */
  maxPayload: number
  /** `"[]"` to every socket this often, as stock relays do (20 s). */
  heartbeatMs?: number
  /** Protocol-level ping; a socket that missed one pong is terminated. */
  pingMs?: number
}

export interface GunSockets {
  accept(ws: WebSocket): void
  readonly clients: number
  close(): Promise<void>
}

/**
 * Server-side sockets joined to the mesh, whoever accepted them (the plain
 * upgrade handler in ws-server.ts, or @fastify/websocket so an app's hooks
 * run on `/gun` too): each socket becomes a mesh peer, binary frames are
 * ignored as Gun does, `"[]"` heartbeats go out, dead sockets are found by
 * ping.
 */
export function createGunSockets(mesh: Mesh, options: GunSocketsOptions): GunSockets {
  const heartbeatMs = options.heartbeatMs ?? 20_000
  const pingMs = options.pingMs ?? 30_000
  const sockets = new Set<WebSocket>()
  const alive = new WeakMap<WebSocket, boolean>()
  let closed = false

  const heartbeat = setInterval(() => {
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send('[]')
  }, heartbeatMs)
  heartbeat.unref()
  const ping = setInterval(() => {
    for (const ws of sockets) {
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

  return {
    accept(ws) {
      if (closed) {
        ws.close(1001, 'closing')
        return
      }
      sockets.add(ws)
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
        if (isBinary) return
        const text = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
        // When the app registered @fastify/websocket itself, its maxPayload may be larger than ours.
        if (text.length > options.maxPayload) {
          ws.close(1009, 'Message too big')
          return
        }
        handle.hear(text.toString())
      })
      ws.on('pong', () => alive.set(ws, true))
      ws.on('close', () => {
        sockets.delete(ws)
        handle.closed()
      })
      ws.on('error', () => {
        // reason: protocol violations (e.g. frames over maxPayload) are reported here; close follows.
      })
    },
    get clients() {
      return sockets.size
    },
    async close() {
      closed = true
      clearInterval(heartbeat)
      clearInterval(ping)
      for (const ws of sockets) ws.terminate()
      sockets.clear()
    },
  }
}
