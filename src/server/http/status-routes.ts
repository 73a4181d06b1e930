import type { FastifyInstance } from 'fastify'
import { ApiError } from './errors.js'
import type { TrellisNode } from './node.js'

export interface StatusOptions {
  node: TrellisNode
  gunClients: () => number
}

const MAX_SOULS = 1000
const MAX_PEERS_LISTED = 200

function queryText(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : undefined
}

/**
 * What the admin UI (and operators) read: the souls in storage, in lexical
 * pages, and the node's peers and counters.
 */
export function registerStatusRoutes(app: FastifyInstance, options: StatusOptions): void {
  const { node } = options

  app.get('/souls', async (request) => {
    const prefix = queryText(request.query, 'prefix')
    const after = queryText(request.query, 'after')
    const limitText = queryText(request.query, 'limit') ?? '100'
    const limit = Number(limitText)
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_SOULS) throw new ApiError(400, 'INVALID_QUERY', `limit must be an integer from 1 to ${MAX_SOULS}`)
    if ((prefix?.length ?? 0) > node.limits.maxSoulChars || (after?.length ?? 0) > node.limits.maxSoulChars) {
      throw new ApiError(400, 'INVALID_QUERY', `prefix and after are at most ${node.limits.maxSoulChars} characters`)
    }
    // `after` is exclusive: ask for one more and drop it when it comes back.
    const souls = await node.storage.souls({ ...(prefix !== undefined && prefix !== '' ? { prefix } : {}), ...(after !== undefined ? { gte: after } : {}), limit: limit + 1 })
    const page = (after !== undefined && souls[0] === after ? souls.slice(1) : souls).slice(0, limit)
    return { data: page, path: '' }
  })

  app.get('/status', async () => {
    const stats = node.stats()
    const memory = process.memoryUsage()
    const peers = []
    for (const peer of node.mesh.peers) {
      if (peers.length >= MAX_PEERS_LISTED) break
      peers.push({ id: peer.id, pid: peer.pid ?? null, url: peer.url ?? null, outgoing: peer.outgoing, relay: peer.relay })
    }
    return {
      data: {
        uptimeSeconds: Math.round((Date.now() - node.startedAt) / 1000),
        souls: stats.souls,
        gunSockets: options.gunClients(),
        peers,
        relays: stats.dialers,
        mesh: {
          peers: stats.peers,
          dedup: stats.dedup,
          routes: stats.routes,
          subscriptions: stats.subscriptions,
          outbox: stats.outbox,
          framesIn: stats.framesIn,
          framesOut: stats.framesOut,
        },
        counters: { ...node.counters },
        memory: { rss: memory.rss, heapUsed: memory.heapUsed },
        storage: { durable: node.storageIsDurable },
      },
      path: '',
    }
  })
}
