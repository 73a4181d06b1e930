import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { HttpAuth } from './auth.js'
import { registerJsonBody, type BodyLimits } from './body.js'
import { registerDataRoutes } from './data-routes.js'
import type { PathLimits } from './data-path.js'
import { ApiError, apiErrorHandler, errorBody } from './errors.js'
import type { HttpMetrics } from './metrics.js'
import type { TrellisNode } from './node.js'
import { registerStatusRoutes } from './status-routes.js'
import { registerSubscribeRoutes, type SubscribeOptions, type SubscribeRoutes } from './subscribe.js'

/** CORS for the HTTP API (REST, subscriptions, metrics): off unless given. */
export interface CorsOptions {
  /** Allowed origins: a list, `'*'` (any), or true (reflect the request's origin). */
  origin: string[] | '*' | true
  /** Allow credentials (cookies, authorization headers) cross-origin. */
  credentials?: boolean
}

export interface ApiOptions {
  node: TrellisNode
  body: BodyLimits
  path: PathLimits
  subscribe: Omit<SubscribeOptions, 'node' | 'path'>
  cors?: CorsOptions | false
  /** Largest `/souls` answer in bytes. */
  maxListBytes: number
  metrics?: () => HttpMetrics | undefined
  gunClients: () => number
  /** Called with the subscription counters once the routes exist (metrics read them). */
  onSubscribeStats(stats: SubscribeRoutes): void
  /** Credentials every request here needs, when any are configured. */
  auth?: HttpAuth
}

/** Which operation a finished request was, for the duration histogram. */
function operationOf(method: string, url: string | undefined): string {
  if (url?.startsWith('/api/v1/data/') === true) {
    switch (method) {
      case 'GET':
        return 'read'
      case 'PUT':
        return 'put'
      case 'PATCH':
        return 'patch'
      case 'DELETE':
        return 'delete'
    }
  }
  if (url?.startsWith('/api/v1/subscribe/') === true) return 'subscribe'
  return 'other'
}

/**
 * The REST API, registered under `/api/v1` in its own Fastify context: its
 * JSON parser, error format, 404s and CORS apply here and nowhere else in
 * the host app.
 */
export async function registerApi(app: FastifyInstance, options: ApiOptions): Promise<void> {
  const auth = options.auth
  if (auth?.enabled === true) app.addHook('onRequest', (request, reply) => auth.check(request, reply))
  registerJsonBody(app, options.body)
  app.setErrorHandler(apiErrorHandler)
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)
    void reply.code(404).send(errorBody(error))
  })
  if (options.cors !== undefined && options.cors !== false) {
    const origin = options.cors.origin
    await app.register(cors, {
      origin: origin === '*' ? '*' : origin === true ? true : origin,
      credentials: options.cors.credentials ?? false,
      methods: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      maxAge: 600,
    })
  }
  app.addHook('onResponse', async (request, reply) => {
    options.metrics?.()?.request(operationOf(request.method, request.routeOptions.url), reply.statusCode, reply.elapsedTime / 1000)
  })
  registerDataRoutes(app, { node: options.node, body: options.body, path: options.path })
  options.onSubscribeStats(registerSubscribeRoutes(app, { node: options.node, path: options.path, ...options.subscribe }))
  registerStatusRoutes(app, { node: options.node, gunClients: options.gunClients, maxListBytes: options.maxListBytes })
}
