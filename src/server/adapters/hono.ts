import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import { createTrellisApp, type TrellisAppOptions } from '../http/app.js'
import { createPathMatcher, forwardUpgrades } from '../http/mount.js'
import type { TrellisNode } from '../http/node.js'

/** Trellis inside a Hono app (`createTrellisHono`): middleware, the WebSocket attachment, the node. */
export interface TrellisHono {
  /** Hono middleware (on @hono/node-server): serves Trellis's paths, passes everything else on. */
  middleware: MiddlewareHandler
  /** Route WebSocket upgrades from the server `serve()` returned. Returns the detach function. */
  attach(server: Server): () => void
  readonly node: TrellisNode
  /** Close Trellis (sockets, peers, storage); the Hono server is yours to close. */
  close(): Promise<void>
}

interface NodeBindings {
  incoming?: IncomingMessage
  outgoing?: ServerResponse
}

/**
 * Trellis in a Hono app on Node: the request is handed, as Node's own
 * request and response, to the Trellis plugin's router (streams, SSE and
 * body limits then behave exactly as in Fastify).
 *
 *   const trellis = await createTrellisHono({ dataDir: './data' })
 *   app.use('*', trellis.middleware)
 *   trellis.attach(serve({ fetch: app.fetch, port: 8765 }) as Server)
 */
export async function createTrellisHono(options: TrellisAppOptions = {}): Promise<TrellisHono> {
  // Its own marker object: @hono/node-server replaces the global Response, so one built here would be sent as an empty reply.
  // Imported on use: @hono/node-server is an optional peer dependency of trellis/server.
  const { RESPONSE_ALREADY_SENT } = await import('@hono/node-server/utils/response')
  const { app, node } = await createTrellisApp(options)
  const matches = createPathMatcher(options)
  return {
    async middleware(c, next) {
      const env = c.env as NodeBindings | undefined
      const incoming = env?.incoming
      const outgoing = env?.outgoing
      if (incoming === undefined || outgoing === undefined) {
        if (!matches(new URL(c.req.url).pathname)) return next()
        return c.json({ code: 'UNSUPPORTED_RUNTIME', message: 'The Trellis Hono adapter runs on @hono/node-server' }, 501)
      }
      if (!matches(incoming.url ?? '')) return next()
      app.routing(incoming, outgoing)
      return RESPONSE_ALREADY_SENT
    },
    attach: (server) => forwardUpgrades(server, app, matches),
    node,
    close: () => app.close(),
  }
}
