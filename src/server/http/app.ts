import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import { DEFAULT_BODY_LIMIT, trellisPlugin, type TrellisPluginOptions } from './plugin.js'
import type { TrellisNode } from './node.js'
import { ApiError, apiErrorHandler, errorBody, toApiError } from './errors.js'

/** Options of `createTrellisApp`: the plugin's, plus the logger and the Fastify app's own settings. */
export interface TrellisAppOptions extends TrellisPluginOptions {
  /** A pino logger for requests and errors. Default: no logging. */
  logger?: Logger
  /** Milliseconds a client has to send a whole request (0: no limit). Default 30 000. Responses (SSE streams) are not bounded by it. */
  requestTimeoutMs?: number
  /** Idle keep-alive connections close after this many ms. Default 72 000 (above common load-balancer idle timeouts). */
  keepAliveTimeoutMs?: number
}

/**
 * A Fastify app with nothing but Trellis in it — what `createRelay`,
 * `trellis serve` and the Express/Hono adapters run. Ready, not listening.
 */
export async function createTrellisApp(options: TrellisAppOptions = {}): Promise<{ app: FastifyInstance; node: TrellisNode }> {
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    // Long soul names and deep paths are legal; the API bounds them itself.
    routerOptions: { maxParamLength: 16 * 1024 },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Requests the router cannot parse (bad percent-encoding) get the API's error format.
    frameworkErrors: (error, _request, reply) => {
      const api = error.code === 'FST_ERR_BAD_URL' ? new ApiError(400, 'INVALID_PATH', `Bad percent-encoding in the URL`) : toApiError(error)
      // reason: frameworkErrors types the reply by an unresolved route generic; it is a plain reply here.
      void (reply as unknown as FastifyReply).code(api.status).send(errorBody(api))
    },
    // reason: with a pino `loggerInstance` Fastify types the instance by that logger; callers only need the base type.
  }) as unknown as FastifyInstance
  // Node's server.close() closes the connections idle at that moment only; a keep-alive connection
  // whose request was in flight would then hold the close open until the client hangs up.
  let sweep: ReturnType<typeof setInterval> | undefined
  app.addHook('preClose', async () => {
    sweep = setInterval(() => app.server.closeIdleConnections(), 50)
    sweep.unref()
  })
  app.addHook('onClose', async () => clearInterval(sweep))
  // The whole app answers errors in the API's shape, `{ code, message }`, not only /api/v1 (this app is ours).
  app.setErrorHandler(apiErrorHandler)
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(404, 'NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`)
    void reply.code(404).send(errorBody(error))
  })
  let node: TrellisNode | undefined
  const outerOnNode = options.onNode
  await app.register(trellisPlugin, {
    ...options,
    onNode: (created) => {
      node = created
      outerOnNode?.(created)
    },
  })
  await app.ready()
  if (node === undefined) throw new Error('trellis plugin did not create its node')
  return { app, node }
}
