import { readFileSync } from 'node:fs'
import { pino, type Logger } from 'pino'
import type { FastifyInstance } from 'fastify'
import type { ServerConfig } from '../config.js'
import { installShutdown, type Shutdown } from '../shutdown.js'
import { createTrellisApp } from './app.js'
import type { TrellisNode } from './node.js'

/** A server `runServer` started: the app, the node, its URL, logger and the shutdown handle. */
export interface RunningServer {
  app: FastifyInstance
  node: TrellisNode
  url: string
  logger: Logger
  shutdown: Shutdown
}

/**
 * What `trellis serve` does with a validated configuration: build the app,
 * listen, log as JSON (pino, level from the config), and shut down
 * gracefully on SIGTERM/SIGINT. Errors at start reject (the caller exits 1).
 */
export async function runServer(config: ServerConfig, options: { exit?: (code: number) => void } = {}): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, base: { service: 'trellis' } })
  let draining = false
  const { app, node } = await createTrellisApp({
    logger,
    dataDir: config.dataDir,
    peers: config.peers,
    limits: {
      maxPeers: config.maxPeers,
      maxQueueChars: config.maxSendQueue,
      maxDedupBytes: config.maxDedupBytes,
      maxRouteBytes: config.maxRouteBytes,
      maxSubscriptionBytes: config.maxSubscriptionBytes,
      maxSubscriptionBytesPerPeer: config.maxSubscriptionBytesPerPeer,
      maxPartialFrameBytes: config.maxPartialFrameBytes,
      peerKeysPerSecond: config.peerKeysPerSecond,
      peerCharsPerSecond: config.peerBytesPerSecond,
      maxPeerBacklogChars: config.maxPeerBacklog,
      getsPerSecond: config.getsPerSecond,
      putsPerSecond: config.putsPerSecond,
      sliceMessages: config.sliceMessages,
      dedupAgeMs: config.dedupAgeMs,
      routeAgeMs: config.routeAgeMs,
    },
    peerSecret: config.peerSecret,
    secure: config.secure,
    auth: {
      readTokens: config.readTokens,
      writeTokens: config.writeTokens,
      jwt:
        config.jwtSecret !== undefined || config.jwtPublicKey !== undefined
          ? {
              secret: config.jwtSecret,
              publicKey: config.jwtPublicKey === undefined ? undefined : readFileSync(config.jwtPublicKey, 'utf8'),
              issuer: config.jwtIssuer,
              audience: config.jwtAudience,
            }
          : undefined,
    },
    syncIntervalMs: config.sync ? config.syncIntervalMs : -1,
    syncPageBytes: config.syncPageBytes,
    maxMemoryNodes: config.maxMemoryNodes,
    validation: { maxSoulChars: config.maxSoulChars, maxKeyChars: config.maxKeyChars, maxValueChars: config.maxValueChars },
    maxListBytes: config.maxListBytes,
    maxMemoryBytes: config.maxMemoryBytes,
    storageCacheBytes: config.storageCacheBytes,
    maxDeferred: config.maxDeferred,
    maxDeferredBytes: config.maxDeferredBytes,
    maxFutureMs: config.maxFutureMs,
    bodyLimit: config.bodyLimit,
    maxSubscribers: config.maxSubscribers,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    cors: config.corsOrigins === '*' ? { origin: '*' } : config.corsOrigins.length > 0 ? { origin: config.corsOrigins } : false,
    admin: config.admin,
    browserScript: config.browserScript,
    static: config.static,
    metrics: config.metrics,
    api: config.api,
    draining: () => draining,
    log: (line) => logger.info({ component: 'mesh' }, line),
  })
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  const shutdown = installShutdown({
    timeoutMs: config.shutdownTimeoutMs,
    close: async () => {
      draining = true
      await app.close()
    },
    log: (level, message, fields) => logger[level](fields ?? {}, message),
    exit: options.exit,
  })
  return { app, node, url: `http://${host}:${port}`, logger, shutdown }
}
