import websocket from '@fastify/websocket'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import { registerAdminRoutes } from '../admin/routes.js'
import { registerApi, type CorsOptions } from './api.js'
import { createHttpAuth, type HttpAuthOptions } from './auth.js'
import { registerBrowserScriptRoutes } from './browser-script.js'
import { createGunSockets, type GunSockets } from '../../transport/socket-pool.js'
import { registerHealthRoutes } from './health.js'
import { createHttpMetrics, type HttpMetrics } from './metrics.js'
import { relayPaths } from './mount.js'
import { registerStaticFiles, type StaticMount } from './static-files.js'
import { createTrellisNode, type TrellisNode, type TrellisNodeOptions } from './node.js'
import type { SubscribeRoutes } from './subscribe.js'

/** Options of the Fastify plugin: a node's options (or the node itself) and which routes to serve. */
export interface TrellisPluginOptions extends TrellisNodeOptions {
  /** Serve this node (the app keeps it, and closes it). Otherwise the plugin creates one from the node options and closes it with the app. */
  node?: TrellisNode
  /** Gun's WebSocket endpoint. Default `/gun`; false to leave it out. */
  gunPath?: string | false
  /** The REST API and subscriptions under `/api/v1`. Default true. */
  api?: boolean
  /** `/healthz` and `/readyz`. Default true. */
  health?: boolean
  /** `/metrics` in Prometheus text format. Default true. */
  metrics?: boolean
  /** Include prom-client's process metrics (memory, CPU, event loop). Default true. */
  defaultMetrics?: boolean
  /** Gun's script-tag files, as a stock relay serves them: `/gun.js` (Trellis's browser build, `window.Gun` with `Gun.SEA`) and `/sea.js` (a no-op beside it), also under `/gun/`. Default true. */
  browserScript?: boolean
  /** The admin UI at `/` (and its assets under `/_admin/`). Default false: `/` usually belongs to the app. */
  admin?: boolean
  /**
   * Folders served as static files under URL prefixes, beside the relay (`trellis serve --static DIR[:MOUNT]`).
   * Checked at start: a mount on or under a relay route, or a file the relay would answer instead, is an error.
   */
  static?: StaticMount[]
  /** CORS for the API. Default: none (same origin only). */
  cors?: CorsOptions | false
  /** Largest API request body in bytes (413 past it). Default 1 MiB. */
  bodyLimit?: number
  /** Deepest object nesting in a body. Default 32. */
  maxDepth?: number
  /** Most keys in one body. Default 10 000. */
  maxKeys?: number
  /** Most path segments. Default 32. */
  maxSegments?: number
  /** Largest `GET /api/v1/souls` answer in bytes; a page stops short and gives a `next` cursor. Default 1 MiB. */
  maxListBytes?: number
  /** Most live REST subscriptions. Default 1000. */
  maxSubscribers?: number
  /** Gun socket heartbeat and ping intervals. */
  heartbeatMs?: number
  pingMs?: number
  /** True while shutting down (readiness then fails). */
  draining?: () => boolean
  /** Receives the node once it exists (for the app's own use of `node.db`). */
  onNode?: (node: TrellisNode) => void
  /** Receives the Gun socket set (for client counts). */
  onGunSockets?: (sockets: GunSockets) => void
  /**
   * Credentials for REST, subscriptions, `/metrics` and the admin UI's data (bearer tokens, JWTs).
   * None: open, as a relay on 127.0.0.1 is by default. See docs/server.md, "Authorization".
   */
  auth?: HttpAuthOptions
}

/** Largest REST request body accepted by default: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024
const DEFAULT_MAX_LIST_BYTES = 1024 * 1024

/**
 * Trellis as a Fastify plugin: Gun's wire protocol at `/gun`, the REST API
 * and subscriptions under `/api/v1`, health, metrics, Gun's script-tag
 * files (`/gun.js`, `/sea.js`) and (optionally) the admin UI, in an encapsulated context so the host app's parsers and error
 * handlers are untouched. Register @fastify/websocket before this plugin if
 * the app uses it too; otherwise the plugin registers it.
 */
export const trellisPlugin: FastifyPluginAsync<TrellisPluginOptions> = async (app: FastifyInstance, options: TrellisPluginOptions) => {
  const auth = await createHttpAuth(options.auth)
  // First, so a bad mount fails the start before storage is opened.
  if (options.static !== undefined && options.static.length > 0) {
    const paths = relayPaths({ ...options, gunPath: options.gunPath ?? '/gun', admin: options.admin === true })
    await registerStaticFiles(app, options.static, paths)
  }
  const node = options.node ?? (await createTrellisNode(options))
  const ownsNode = options.node === undefined
  options.onNode?.(node)
  const maxPayload = node.limits.maxFrameChars * 2
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, { options: { maxPayload, perMessageDeflate: false } })
  }
  const gun = createGunSockets(node.mesh, {
    maxPayload,
    heartbeatMs: options.heartbeatMs,
    pingMs: options.pingMs,
    maxPartialFrameBytes: node.limits.maxPartialFrameBytes,
  })
  options.onGunSockets?.(gun)
  const gunPath = options.gunPath ?? '/gun'
  if (gunPath !== false) {
    app.get(gunPath, { websocket: true }, (socket) => gun.accept(socket))
  }

  let subscribers: SubscribeRoutes = { sse: 0, websocket: 0, events: 0, closeAll: () => {} }
  let metrics: HttpMetrics | undefined
  if (options.api !== false) {
    await app.register(
      async (api) =>
        registerApi(api, {
          node,
          body: { bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, maxDepth: options.maxDepth ?? 32, maxKeys: options.maxKeys ?? 10_000 },
          path: { maxSegments: options.maxSegments ?? 32, validation: node.validation },
          subscribe: { maxSubscribers: options.maxSubscribers ?? 1000, maxBufferedBytes: 4 * 1024 * 1024, keepAliveMs: 15_000 },
          cors: options.cors,
          maxListBytes: options.maxListBytes ?? DEFAULT_MAX_LIST_BYTES,
          metrics: () => metrics,
          gunClients: () => gun.clients,
          onSubscribeStats: (stats) => (subscribers = stats),
          auth,
        }),
      { prefix: '/api/v1' },
    )
  }
  if (options.health !== false) {
    registerHealthRoutes(app, { node, draining: options.draining ?? (() => false), probeTimeoutMs: 2000 })
  }
  if (options.metrics !== false) {
    const created = createHttpMetrics(
      {
        node,
        subscribers: {
          get sse() {
            return subscribers.sse
          },
          get websocket() {
            return subscribers.websocket
          },
          get events() {
            return subscribers.events
          },
        },
        gunClients: () => gun.clients,
        gunSockets: gun,
      },
      { defaultMetrics: options.defaultMetrics },
    )
    metrics = created
    app.get('/metrics', { onRequest: (request, reply) => auth.check(request, reply) }, async (_request, reply) => {
      reply.type(created.registry.contentType)
      return created.registry.metrics()
    })
  }
  if (options.browserScript !== false) registerBrowserScriptRoutes(app)
  if (options.admin === true) registerAdminRoutes(app)

  // Before the server stops accepting: long-lived streams and sockets would otherwise hold `close()` open.
  app.addHook('preClose', async () => {
    subscribers.closeAll()
    await gun.close()
  })
  app.addHook('onClose', async () => {
    await gun.close()
    if (ownsNode) await node.close()
  })
}
