import type { Server } from 'node:http'
import type { NextFunction, Request, Response } from 'express'
import { createTrellisApp, type TrellisAppOptions } from '../http/app.js'
import { createPathMatcher, forwardUpgrades } from '../http/mount.js'
import type { TrellisNode } from '../http/node.js'

/** Trellis inside an Express app (`createTrellisExpress`): middleware, the WebSocket attachment, the node. */
export interface TrellisExpress {
  /** Express middleware: serves Trellis's paths, passes everything else to `next`. Mount it before body parsers. */
  middleware: (req: Request, res: Response, next: NextFunction) => void
  /** Route WebSocket upgrades (`/gun`, subscriptions) from the server Express listens on. Returns the detach function. */
  attach(server: Server): () => void
  readonly node: TrellisNode
  /** Close Trellis (sockets, peers, storage); the Express server is yours to close. */
  close(): Promise<void>
}

/**
 * Trellis in an Express app: the same Fastify plugin, driven through
 * Fastify's router with Express's request and response.
 *
 *   const trellis = await createTrellisExpress({ dataDir: './data' })
 *   app.use(trellis.middleware)
 *   trellis.attach(app.listen(8765))
 */
export async function createTrellisExpress(options: TrellisAppOptions = {}): Promise<TrellisExpress> {
  const { app, node } = await createTrellisApp(options)
  const matches = createPathMatcher(options)
  return {
    middleware(req, res, next) {
      if (!matches(req.url)) return next()
      app.routing(req, res)
    },
    attach: (server) => forwardUpgrades(server, app, matches),
    node,
    close: () => app.close(),
  }
}
