import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import type { Data } from '../../core/chain/chain.js'
import { chainAt, parseDataPath, type DataPath, type PathLimits } from './data-path.js'
import { ApiError } from './errors.js'
import type { TrellisNode } from './node.js'
import { isQueryFlag, present } from './present.js'

export interface SubscribeOptions {
  node: TrellisNode
  path: PathLimits
  /** Most live subscriptions (SSE and WebSocket together); past it new ones get 503. */
  maxSubscribers: number
  /** A subscriber whose unsent backlog passes this many bytes is disconnected. */
  maxBufferedBytes: number
  /** SSE comment lines this often keep proxies from closing an idle stream. */
  keepAliveMs: number
}

export interface SubscribeStats {
  readonly sse: number
  readonly websocket: number
  readonly events: number
}

export interface SubscribeRoutes extends SubscribeStats {
  /** End every live subscription (shutdown): open SSE responses would otherwise keep the server from closing. */
  closeAll(): void
}

/** One server-sent event of `GET /subscribe/*path`: the path, the key that changed and its data. */
export interface UpdateEvent {
  type: 'update'
  path: string
  key: string
  data: unknown
}

const MARKER = '/subscribe/'

/**
 * `GET /subscribe/*path`: every change of the place the path names, as
 * `{ type: 'update', path, key, data }` — over a WebSocket, or as
 * Server-Sent Events with `Accept: text/event-stream`. The current value
 * comes first when there is one.
 */
export function registerSubscribeRoutes(app: FastifyInstance, options: SubscribeOptions): SubscribeRoutes {
  const { node } = options
  let sse = 0
  let websocket = 0
  let events = 0
  const paths = new WeakMap<FastifyRequest, DataPath>()
  const live = new Set<() => void>()

  /**
   * Follow `path` live; returns the stop function. `send` returns false when the subscriber cannot keep
   * up. A node's event carries an id, its newest HAM state; given `since` (SSE's Last-Event-ID), the
   * current node is not sent again when nothing in it is newer: a reconnecting client resumes.
   */
  const follow = (
    request: FastifyRequest,
    path: DataPath,
    send: (event: UpdateEvent, id: number | undefined) => boolean,
    drop: () => void,
    since?: number,
  ): (() => void) => {
    const meta = isQueryFlag((request.query as Record<string, unknown> | undefined)?.meta)
    const chain = chainAt(node.db, path.segments)
    let first = true
    let stopped = false
    const stop = () => {
      if (stopped) return
      stopped = true
      chain.off()
    }
    chain.on((data: Data, key: string) => {
      if (stopped) return
      const id = newestState(data)
      const resumed = first && since !== undefined && id !== undefined && id <= since
      first = false
      if (resumed) return
      events++
      if (!send({ type: 'update', path: path.text, key, data: present(data, meta) }, id)) {
        stop()
        drop()
      }
    })
    // The first update may arrive (and be refused) while `on` is still registering.
    if (stopped) chain.off()
    return stop
  }

  const admit = async (request: FastifyRequest) => {
    const path = parseDataPath(request.raw.url ?? '', MARKER, options.path)
    if (sse + websocket >= options.maxSubscribers) throw new ApiError(503, 'TOO_MANY_SUBSCRIBERS', `At most ${options.maxSubscribers} live subscriptions`)
    if (node.closed) throw new ApiError(503, 'CLOSED', 'The server is shutting down')
    paths.set(request, path)
  }

  const serveSse = (request: FastifyRequest, reply: FastifyReply) => {
    const accept = request.headers.accept ?? ''
    if (!accept.includes('text/event-stream')) {
      throw new ApiError(406, 'NOT_ACCEPTABLE', 'Subscribe with a WebSocket upgrade or with Accept: text/event-stream')
    }
    const path = paths.get(request) as DataPath
    reply.hijack()
    const raw = reply.raw
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = String(value)
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    raw.write('retry: 2000\n\n')
    sse++
    let open = true
    let stop = () => {}
    const end = () => {
      if (!open) return
      open = false
      live.delete(end)
      sse--
      clearInterval(keepAlive)
      stop()
      raw.end()
    }
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), options.keepAliveMs)
    keepAlive.unref()
    const lastId = Number(request.headers['last-event-id'])
    stop = follow(
      request,
      path,
      (event, id) => {
        if (raw.writableLength > options.maxBufferedBytes) return false
        raw.write(`${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(event)}\n\n`)
        return true
      },
      end,
      Number.isFinite(lastId) ? lastId : undefined,
    )
    live.add(end)
    request.raw.on('close', end)
    raw.on('error', end)
  }

  const serveWebSocket = (socket: WebSocket, request: FastifyRequest) => {
    const path = paths.get(request) as DataPath
    websocket++
    let open = true
    const stop = follow(
      request,
      path,
      (event) => {
        if (socket.readyState !== socket.OPEN) return true
        if (socket.bufferedAmount > options.maxBufferedBytes) return false
        socket.send(JSON.stringify(event))
        return true
      },
      () => socket.close(4001, 'subscriber too slow'),
    )
    const end = () => socket.close(1001, 'server shutting down')
    live.add(end)
    // Subscribers only listen; anything they send is ignored (and bounded by maxPayload).
    socket.on('close', () => {
      if (!open) return
      open = false
      live.delete(end)
      websocket--
      stop()
    })
  }

  app.route({
    method: 'GET',
    url: `${MARKER}*`,
    preHandler: admit,
    handler: serveSse,
    wsHandler: serveWebSocket,
  })

  return {
    get sse() {
      return sse
    },
    get websocket() {
      return websocket
    },
    get events() {
      return events
    },
    closeAll() {
      for (const end of [...live]) end()
    },
  }
}

/** A node's newest HAM state (its event id); undefined for a value. */
function newestState(data: Data): number | undefined {
  if (data === null || typeof data !== 'object') return undefined
  const states = (data as { _?: { '>'?: Record<string, unknown> } })._?.['>']
  if (states === undefined) return undefined
  let newest: number | undefined
  for (const key of Object.keys(states)) {
    const state = states[key]
    if (typeof state === 'number' && (newest === undefined || state > newest)) newest = state
  }
  return newest
}
