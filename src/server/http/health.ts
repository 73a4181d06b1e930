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

/** Least time between two storage write probes while storage is failing (however often /readyz is asked). */
const PROBE_INTERVAL_MS = 500

/**
 * `/healthz`: the process answers. `/readyz`: storage is open, answers
 * within the bound and takes writes, shutdown has not begun; with the
 * peers' state. While storage reports failed writes (disk full, I/O
 * errors), readiness is 503 with its error, and each check (at most one
 * every 500 ms) tries a small write so that readiness returns as soon as
 * storage writes again.
 */
export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  const { node } = options
  let probing: Promise<void> | undefined
  let lastProbe = 0

  /** Ask storage to try a write now (one at a time, not too often); failures show in health(). */
  const tryWrite = async (): Promise<void> => {
    const storage = node.storage
    if (storage.probe === undefined) return
    if (probing === undefined && Date.now() - lastProbe >= PROBE_INTERVAL_MS) {
      lastProbe = Date.now()
      probing = storage
        .probe()
        .catch(() => {})
        .finally(() => (probing = undefined))
    }
    if (probing !== undefined) await withTimeout(probing, options.probeTimeoutMs)
  }

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (_request, reply) => {
    const storage = await check(node, options.probeTimeoutMs, tryWrite)
    const connected = node.dialers.filter((d) => d.connected).length
    const draining = options.draining()
    const ready = storage.ok && !draining && !node.closed
    reply.code(ready ? 200 : 503)
    return {
      status: ready ? 'ready' : 'not ready',
      draining,
      storage: {
        open: storage.open,
        writable: storage.ok,
        durable: node.storageIsDurable,
        ...(storage.error !== undefined ? { error: storage.error } : {}),
        ...(storage.since !== undefined ? { since: new Date(storage.since).toISOString() } : {}),
      },
      peers: {
        connected: node.mesh.peers.size,
        relays: node.dialers.map((d) => ({ url: d.url, connected: d.connected })),
        relaysConnected: connected,
      },
    }
  })
}

interface StorageCheck {
  ok: boolean
  open: boolean
  error?: string
  since?: number
}

async function check(node: TrellisNode, timeoutMs: number, tryWrite: () => Promise<void>): Promise<StorageCheck> {
  if (node.closed) return { ok: false, open: false, error: 'closed' }
  const read = await withTimeout(
    node.storage.get(PROBE_SOUL).then(
      () => ({ ok: true }) as { ok: boolean; error?: string },
      (error: unknown) => ({ ok: false, error: messageOf(error) }),
    ),
    timeoutMs,
  )
  if (read === undefined) return { ok: false, open: false, error: `storage did not answer within ${timeoutMs} ms` }
  if (!read.ok) return { ok: false, open: false, error: read.error }
  const storage = node.storage
  if (storage.health === undefined) return { ok: true, open: true }
  let health = storage.health()
  if (!health.ok) {
    await tryWrite()
    health = storage.health()
  }
  if (health.ok) return { ok: true, open: true }
  return { ok: false, open: true, error: health.error ?? 'storage refuses writes', since: health.since }
}

/** The promise's value, or undefined once `ms` passed. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
