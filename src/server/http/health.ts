import type { FastifyInstance } from 'fastify'
import type { TrellisNode } from './node.js'

export interface HealthOptions {
  node: TrellisNode
  /** True once shutdown began: readiness fails so load balancers stop sending traffic. */
  draining: () => boolean
  /** Longest the storage probe may take before the node counts as not ready. */
  probeTimeoutMs: number
}

/** A soul no one writes: reading it touches storage without loading real data. */
const PROBE_SOUL = '\u0000trellis-readiness-probe'

/**
 * `/healthz`: the process answers. `/readyz`: storage is open and answers
 * within the bound, shutdown has not begun; with the peers' state.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  const { node } = options

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const storage = await probe(node, options.probeTimeoutMs)
    const connected = node.dialers.filter((d) => d.connected).length
    const draining = options.draining()
    const ready = storage.ok && !draining && !node.closed
    reply.code(ready ? 200 : 503)
    return {
      status: ready ? 'ready' : 'not ready',
      draining,
      storage: { open: storage.ok, durable: node.storageIsDurable, ...(storage.error !== undefined ? { error: storage.error } : {}) },
      peers: {
        connected: node.mesh.peers.size,
        relays: node.dialers.map((d) => ({ url: d.url, connected: d.connected })),
        relaysConnected: connected,
      },
    }
  })
}

async function probe(node: TrellisNode, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  if (node.closed) return { ok: false, error: 'closed' }
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<{ ok: boolean; error: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, error: `storage did not answer within ${timeoutMs} ms` }), timeoutMs)
  })
  try {
    return await Promise.race([
      node.storage.get(PROBE_SOUL).then(
        () => ({ ok: true }),
        (error: unknown) => ({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}
