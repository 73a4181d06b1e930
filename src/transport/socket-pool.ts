import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'
import { registerFlowControl } from '../mesh/fair.js'
import type { Mesh } from '../mesh/mesh.js'

export interface GunSocketsOptions {
  /** Frames past this many bytes close the connection with 1009 (the mesh answers smaller oversized ones with `Message too big!`). */
  maxPayload: number
  /** `"[]"` to every socket this often, as stock relays do (20 s). */
  heartbeatMs?: number
  /** Protocol-level ping; a socket that missed one pong is terminated. */
  pingMs?: number
  /**
   * Bytes of partially received frames held across all sockets (default 64 MiB). Past it, the
   * socket holding the most is closed (1009) until the total is back within the budget.
   */
  maxPartialFrameBytes?: number
}

/** The sockets on Gun's WebSocket endpoint, each connected to the mesh, with the partial-frame budget. */
export interface GunSockets {
  /** Connect an accepted socket to the mesh. */
  accept(ws: WebSocket): void
  /** Open sockets. */
  readonly clients: number
  /** Bytes held for frames still arriving, across all sockets. */
  readonly partialFrameBytes: number
  /** Sockets closed because partial frames passed `maxPartialFrameBytes`. */
  readonly partialFrameCloses: number
  /** Close every socket and stop the heartbeats. */
  close(): Promise<void>
}

/** Close code for a socket dropped to keep partial frames within the budget (as ws uses for frames past maxPayload). */
const CLOSE_PARTIAL_FRAMES = 1009

const DEFAULT_MAX_PARTIAL_FRAME_BYTES = 64 * 1024 * 1024

/**
 * What `ws` holds for a socket's unfinished message: bytes received and not yet parsed into a
 * whole frame (`_bufferedBytes`), the Writable's own queue in front of its parser, and the
 * fragments of a fragmented message (`_messageLength`). Internal fields of ws 8 (read only,
 * guarded): without them the pool counts bytes received since the last whole message instead.
 */
interface WsInternals {
  _socket?: Duplex
  _receiver?: { _bufferedBytes?: unknown; _messageLength?: unknown; _writableState?: { length?: unknown } }
}

class Partial {
  bytes = 0
  dropped = false
  constructor(readonly ws: WebSocket) {}
}

function heldByReceiver(ws: WebSocket): number | undefined {
  const receiver = (ws as unknown as WsInternals)._receiver
  if (receiver === undefined || typeof receiver._bufferedBytes !== 'number' || typeof receiver._messageLength !== 'number') return undefined
  const queued = receiver._writableState?.length
  return receiver._bufferedBytes + receiver._messageLength + (typeof queued === 'number' ? queued : 0)
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
  const maxPartial = options.maxPartialFrameBytes ?? DEFAULT_MAX_PARTIAL_FRAME_BYTES
  /** Sockets holding part of a frame. */
  const holding = new Set<Partial>()
  let partialTotal = 0
  let partialCloses = 0

  const setPartial = (p: Partial, bytes: number) => {
    if (p.dropped || bytes === p.bytes) return
    partialTotal += bytes - p.bytes
    p.bytes = bytes
    if (bytes > 0) holding.add(p)
    else holding.delete(p)
    if (partialTotal > maxPartial) enforcePartialBudget()
  }

  /** Over the budget: close the sockets holding the most until the rest fits. */
  const enforcePartialBudget = () => {
    while (partialTotal > maxPartial && holding.size > 0) {
      let largest: Partial | undefined
      for (const p of holding) if (largest === undefined || p.bytes > largest.bytes) largest = p
      const victim = largest as Partial
      holding.delete(victim)
      partialTotal -= victim.bytes
      victim.bytes = 0
      victim.dropped = true
      partialCloses++
      try {
        victim.ws.close(CLOSE_PARTIAL_FRAMES, 'partial frames over budget')
      } catch {
        // reason: a socket closing under us; terminate below frees it all the same.
      }
      // At once, not after the close handshake: the point is to free what its parser holds.
      victim.ws.terminate()
    }
  }

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
      registerFlowControl(handle.peer, { pause: () => ws.pause(), resume: () => ws.resume() })
      const partial = new Partial(ws)
      const raw = (ws as unknown as WsInternals)._socket
      if (raw !== undefined) {
        if (heldByReceiver(ws) !== undefined) {
          // After ws's own listener (added first) has parsed the chunk: what it still holds.
          raw.on('data', () => setPartial(partial, heldByReceiver(ws) ?? 0))
        } else {
          // Fallback: bytes since the last whole message (reset below), counted before ws parses the chunk.
          raw.prependListener('data', (chunk: Buffer) => setPartial(partial, partial.bytes + chunk.length))
          const reset = () => setPartial(partial, 0)
          ws.on('message', reset)
          ws.on('ping', reset)
          ws.on('pong', reset)
        }
      }
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
        setPartial(partial, 0)
        partial.dropped = true
        handle.closed()
      })
      ws.on('error', () => {
        // reason: protocol violations (e.g. frames over maxPayload) are reported here; close follows.
      })
    },
    get clients() {
      return sockets.size
    },
    get partialFrameBytes() {
      return partialTotal
    },
    get partialFrameCloses() {
      return partialCloses
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
