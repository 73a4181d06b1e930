import { successor } from '../../core/storage-contract.js'
import type { FastifyInstance } from 'fastify'
import { ApiError } from './errors.js'
import type { TrellisNode } from './node.js'

export interface StatusOptions {
  node: TrellisNode
  gunClients: () => number
  /** Largest `/souls` answer in bytes (UTF-8 of the JSON). */
  maxListBytes: number
}

const MAX_SOULS = 1000
const MAX_PEERS_LISTED = 200
/** Room kept in a `/souls` answer for the envelope around the list (`{"data":[…],"path":"","omitted":n}`). */
const ENVELOPE_BYTES = 64

function queryText(query: unknown, name: string): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : undefined
}

/** Bytes of the longest `next` cursor: a marker and up to `maxSoulChars + 1` chars, each escaped to 6 bytes at worst. */
function cursorBytes(maxSoulChars: number): number {
  return 6 * (maxSoulChars + 2) + 2
}

/** The smallest `maxListBytes` that always fits one soul: the soul, its cursor and the envelope. */
function minListBytes(maxSoulChars: number): number {
  return ENVELOPE_BYTES + 2 * cursorBytes(maxSoulChars) + 2
}

/**
 * What the admin UI (and operators) read: the souls in storage, in lexical
 * pages, and the node's peers and counters.
 */
export function registerStatusRoutes(app: FastifyInstance, options: StatusOptions): void {
  const { node } = options
  const maxSoulChars = node.validation.maxSoulChars
  if (options.maxListBytes < minListBytes(maxSoulChars)) {
    throw new RangeError(`maxListBytes ${options.maxListBytes} cannot hold one soul of ${maxSoulChars} chars: at least ${minListBytes(maxSoulChars)}`)
  }

  /**
   * A page of souls, bounded in count (`limit`) and in bytes (`maxListBytes`),
   * whatever is stored. Souls longer than the soul limit (stored before it
   * existed, or by a store written directly) are not listed (no API call can
   * address them); they are counted in `omitted` and the cursor steps past
   * them. `next`, when present, is the cursor of the following page: pass it
   * back as `cursor` (`after=<soul>` still works, exclusive).
   */
  app.get('/souls', async (request) => {
    const prefix = queryText(request.query, 'prefix')
    const after = queryText(request.query, 'after')
    const cursor = queryText(request.query, 'cursor')
    const limitText = queryText(request.query, 'limit') ?? '100'
    const limit = Number(limitText)
    if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_SOULS) throw new ApiError(400, 'INVALID_QUERY', `limit must be an integer from 1 to ${MAX_SOULS}`)
    if ((prefix?.length ?? 0) > maxSoulChars || (after?.length ?? 0) > maxSoulChars || (cursor?.length ?? 0) > maxSoulChars + 1) {
      throw new ApiError(400, 'INVALID_QUERY', `prefix and after are at most ${maxSoulChars} characters`)
    }
    // A cursor is `a<soul>` (exclusive: the last soul listed) or `f<soul>` (inclusive: just past an omitted long soul).
    let from: string | undefined
    let exclusive: string | undefined
    if (cursor !== undefined && cursor !== '') {
      if (cursor[0] === 'a') exclusive = from = cursor.slice(1)
      else if (cursor[0] === 'f') from = cursor.slice(1)
      else throw new ApiError(400, 'INVALID_QUERY', 'cursor must be a `next` value from a previous page')
    } else if (after !== undefined) exclusive = from = after
    const souls = await node.storage.souls({
      ...(prefix !== undefined && prefix !== '' ? { prefix } : {}),
      ...(from !== undefined ? { gte: from } : {}),
      limit: limit + (exclusive !== undefined ? 2 : 1),
    })
    // Room for the envelope and the longest possible cursor (6 bytes per char when every char is escaped).
    const budget = options.maxListBytes - ENVELOPE_BYTES - cursorBytes(maxSoulChars)
    const page: string[] = []
    let used = 2 // the list's brackets
    let omitted = 0
    let next: string | undefined
    let scanned = 0
    for (const soul of souls) {
      if (soul === exclusive) continue
      if (scanned === limit) break
      scanned++
      if (soul.length > maxSoulChars) {
        omitted++
        const past = successor(soul.slice(0, maxSoulChars))
        next = past === undefined ? undefined : `f${past}`
        continue
      }
      const bytes = Buffer.byteLength(JSON.stringify(soul)) + 1
      if (used + bytes > budget) {
        next = `f${soul}` // resume at the soul that did not fit
        scanned = -1
        break
      }
      page.push(soul)
      used += bytes
      next = `a${soul}`
    }
    // More may follow when the store gave more than a page (it was asked for one more, and for the excluded cursor) or the byte budget cut it short.
    const more = scanned === -1 || souls.filter((soul) => soul !== exclusive).length > limit
    return { data: page, path: '', ...(more && next !== undefined ? { next } : {}), ...(omitted > 0 ? { omitted } : {}) }
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
