import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { fairStatsOf } from '../../mesh/fair.js'
import type { TrellisNode } from './node.js'
import type { SubscribeStats } from './subscribe.js'
import { cachedKeyCount, MAX_CACHED_KEYS } from '../../sea/keys.js'
import { relayVerifyThreads } from '../../sea/verify-threads.js'

export interface HttpMetrics {
  readonly registry: Registry
  /** Record one finished API request. `op` is read/put/patch/delete/subscribe/other. */
  request(op: string, status: number, seconds: number): void
}

export interface MetricsSources {
  node: TrellisNode
  subscribers: SubscribeStats
  gunClients: () => number
  /** Partial-frame figures of the Gun socket pool (fairness, issue 11). */
  gunSockets?: { readonly partialFrameBytes: number; readonly partialFrameCloses: number }
}

/** Sizes the log store reports; other stores report none. */
interface StorageWithStats {
  stats(): { diskBytes?: number; queuedBytes?: number; pendingWrites?: number; pendingFileBytes?: number; cachedBytes?: number }
}

function storageStats(node: TrellisNode): ReturnType<StorageWithStats['stats']> | undefined {
  const storage = node.storage as Partial<StorageWithStats>
  if (typeof storage.stats !== 'function' || node.closed) return undefined
  try {
    return storage.stats()
  } catch {
    return undefined
  }
}

/**
 * One prom-client registry per plugin instance (two relays in one process
 * do not collide). Counters and gauges are read from the node when
 * scraped, so the hot paths only bump plain numbers.
 */
export function createHttpMetrics(sources: MetricsSources, options: { defaultMetrics?: boolean } = {}): HttpMetrics {
  const { node, subscribers } = sources
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const counterFrom = (name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset()
        for (const [labels, value] of read()) this.inc(labels, value)
      },
    })
  const gaugeFrom = (name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset()
        for (const [labels, value] of read()) this.set(labels, value)
      },
    })

  const httpReads = { count: 0 }
  const requests = new Counter({
    name: 'trellis_http_requests_total',
    help: 'HTTP API requests by operation and status',
    labelNames: ['op', 'status'],
    registers,
  })
  const durations = new Histogram({
    name: 'trellis_operation_duration_seconds',
    help: 'Duration of HTTP API operations (writes include the fsync)',
    labelNames: ['op'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })

  counterFrom('trellis_reads_total', 'Node reads served, by source', ['source'], () => [
    [{ source: 'wire' }, node.counters.wireReads],
    [{ source: 'http' }, httpReads.count],
  ])
  counterFrom('trellis_writes_total', 'Node changes applied (HAM winners), by origin', ['origin'], () => [
    [{ origin: 'peer' }, node.counters.writesFromPeers],
    [{ origin: 'http' }, node.counters.writesFromHttp],
    [{ origin: 'local' }, node.counters.writesLocal],
  ])
  counterFrom('trellis_sync_frames_total', 'Wire frames exchanged with peers', ['direction'], () => {
    const stats = node.mesh.stats()
    return [
      [{ direction: 'in' }, stats.framesIn],
      [{ direction: 'out' }, stats.framesOut],
    ]
  })
  counterFrom('trellis_sync_errors_sent_total', 'Error notices sent to peers', [], () => [[{}, node.mesh.stats().errorsSent]])
  counterFrom('trellis_subscription_events_total', 'Updates sent to REST subscribers', [], () => [[{}, subscribers.events]])
  gaugeFrom('trellis_peers', 'Connected peers: accepted clients and dialled relays', ['kind'], () => {
    let outgoing = 0
    for (const peer of node.mesh.peers) if (peer.outgoing) outgoing++
    return [
      [{ kind: 'incoming' }, node.mesh.peers.size - outgoing],
      [{ kind: 'outgoing' }, outgoing],
    ]
  })
  gaugeFrom('trellis_configured_relays', 'Relays this node dials, by state', ['state'], () => {
    const connected = node.dialers.filter((d) => d.connected).length
    return [
      [{ state: 'connected' }, connected],
      [{ state: 'disconnected' }, node.dialers.length - connected],
    ]
  })
  gaugeFrom('trellis_gun_sockets', 'Open WebSockets on the Gun endpoint', [], () => [[{}, sources.gunClients()]])
  gaugeFrom('trellis_subscribers', 'Live REST subscriptions by transport', ['transport'], () => [
    [{ transport: 'sse' }, subscribers.sse],
    [{ transport: 'websocket' }, subscribers.websocket],
  ])
  gaugeFrom('trellis_souls_in_memory', 'Nodes held in memory', [], () => [[{}, node.engine.size]])
  gaugeFrom('trellis_sea_cached_keys', `Imported public keys SEA keeps for signature checks (at most ${MAX_CACHED_KEYS})`, [], () => [[{}, cachedKeyCount()]])
  gaugeFrom(
    'trellis_sea_verifications_pending',
    'Signature checks waiting for a verify thread (at most 65 536; past it a put needing one is refused)',
    [],
    () => [[{}, relayVerifyThreads.pending]],
  )
  gaugeFrom('trellis_sea_verify_threads', 'Threads checking signatures (started on the first check)', [], () => [[{}, relayVerifyThreads.threads]])
  gaugeFrom('trellis_mesh_table_size', 'Bounded mesh tables: dedup, routes, subscriptions, outbox (queue)', ['table'], () => {
    const stats = node.mesh.stats()
    return [
      [{ table: 'dedup' }, stats.dedup],
      [{ table: 'routes' }, stats.routes],
      [{ table: 'subscriptions' }, stats.subscriptions],
      [{ table: 'subscription_souls' }, stats.subscriptionSouls],
      [{ table: 'interest' }, stats.interest],
      [{ table: 'outbox' }, stats.outbox],
    ]
  })
  gaugeFrom('trellis_mesh_table_bytes', 'Bytes held by bounded mesh tables (characters of ids, souls, keys, JSON)', ['table'], () => {
    const stats = node.mesh.stats()
    return [
      [{ table: 'dedup' }, stats.dedupBytes],
      [{ table: 'routes' }, stats.routeBytes],
      [{ table: 'subscriptions' }, stats.subscriptionBytes],
      [{ table: 'interest' }, stats.interestBytes],
      [{ table: 'outbox' }, stats.outboxBytes],
      [{ table: 'send_queues' }, stats.sendQueueBytes],
    ]
  })
  counterFrom('trellis_mesh_refusals_total', 'Peer input refused by the mesh, by reason', ['reason'], () => {
    const stats = node.mesh.stats()
    return [
      [{ reason: 'slow_consumer' }, stats.slowConsumersClosed],
      [{ reason: 'relay_proof' }, stats.relayProofsFailed],
      [{ reason: 'invalid_reply' }, stats.repliesRefused],
      [{ reason: 'long_id' }, stats.longIdsRefused],
    ]
  })
  gaugeFrom('trellis_relay_links', 'Live relay links by how they became relay links', ['kind'], () => {
    let dialled = 0
    let proven = 0
    for (const peer of node.mesh.peers) if (peer.relay && !peer.closed) peer.outgoing ? dialled++ : proven++
    return [
      [{ kind: 'dialled' }, dialled],
      [{ kind: 'accepted_proven' }, proven],
    ]
  })
  gaugeFrom('trellis_storage_bytes', 'Bytes of storage on disk (log engine)', [], () => {
    const stats = storageStats(node)
    return stats?.diskBytes === undefined ? [] : [[{}, stats.diskBytes]]
  })
  gaugeFrom('trellis_storage_queued_bytes', 'Bytes accepted by storage and not yet durable', [], () => {
    const stats = storageStats(node)
    return stats?.queuedBytes === undefined ? [] : [[{}, stats.queuedBytes]]
  })
  gaugeFrom('trellis_storage_pending_journal_writes', 'Future-state writes held in the durable pending journal (log engine)', [], () => {
    const stats = storageStats(node)
    return stats?.pendingWrites === undefined ? [] : [[{}, stats.pendingWrites]]
  })
  gaugeFrom('trellis_storage_pending_journal_bytes', 'Bytes of the pending journal file on disk (log engine)', [], () => {
    const stats = storageStats(node)
    return stats?.pendingFileBytes === undefined ? [] : [[{}, stats.pendingFileBytes]]
  })
  gaugeFrom('trellis_storage_cache_bytes', 'Estimated bytes of decoded nodes in the log storage read cache (bound: --storage-cache-bytes)', [], () => {
    const stats = storageStats(node)
    return stats?.cachedBytes === undefined ? [] : [[{}, stats.cachedBytes]]
  })
  gaugeFrom('trellis_node_cache_bytes', 'Estimated bytes of the nodes held in memory (bound: --max-memory-bytes)', [], () => [
    [{}, node.engine.stats().memoryBytes],
  ])
  gaugeFrom('trellis_deferred_writes', 'Future-state keys held until due (bound: --max-deferred)', [], () => [[{}, node.engine.stats().deferred]])
  gaugeFrom('trellis_deferred_bytes', 'Estimated bytes of future-state keys held (bound: --max-deferred-bytes)', [], () => [
    [{}, node.engine.stats().deferredBytes],
  ])
  counterFrom('trellis_deferred_refused_total', 'Puts refused for their future-state keys: queue full, or past the --max-future horizon', ['reason'], () => {
    const stats = node.engine.stats()
    return [
      [{ reason: 'full' }, stats.deferredRefusedFull],
      [{ reason: 'horizon' }, stats.deferredRefusedHorizon],
    ]
  })
  gaugeFrom('trellis_storage_ok', 'Whether the last storage write (or probe) reached the disk (1) or failed (0)', [], () => {
    const health = node.closed ? undefined : node.storage.health?.()
    return health === undefined ? [] : [[{}, health.ok ? 1 : 0]]
  })
  // ---- fairness and partial frames (src/mesh/fair.ts, src/transport/socket-pool.ts; docs/mesh.md "Fairness") ----
  gaugeFrom('trellis_partial_frame_bytes', 'Bytes held for WebSocket frames still arriving, across all sockets', [], () => [
    [{}, sources.gunSockets?.partialFrameBytes ?? 0],
  ])
  counterFrom('trellis_partial_frame_closes_total', 'Sockets closed (1009) because partial frames passed maxPartialFrameBytes', [], () => [
    [{}, sources.gunSockets?.partialFrameCloses ?? 0],
  ])
  gaugeFrom('trellis_inbound_backlog_chars', 'Characters of frames waiting for their peer’s turn', [], () => [
    [{}, fairStatsOf(node.mesh.peers)?.backlogChars ?? 0],
  ])
  gaugeFrom('trellis_inbound_busy_peers', 'Peers with work waiting (queued frames, sliced replies, over budget)', [], () => [
    [{}, fairStatsOf(node.mesh.peers)?.busyPeers ?? 0],
  ])
  counterFrom(
    'trellis_inbound_events_total',
    'Fair scheduling events: frames deferred to their peer’s turn, sliced tasks, budget waits, backlog closes',
    ['event'],
    () => {
      const stats = fairStatsOf(node.mesh.peers)
      return [
        [{ event: 'deferred_frame' }, stats?.deferredFrames ?? 0],
        [{ event: 'sliced_task' }, stats?.slicedTasks ?? 0],
        [{ event: 'sliced_batch' }, stats?.slicedBatches ?? 0],
        [{ event: 'budget_wait' }, stats?.budgetWaits ?? 0],
        [{ event: 'backlog_close' }, stats?.backlogCloses ?? 0],
      ]
    },
  )
  counterFrom('trellis_catchup_pages_total', 'Catch-up pages between relays, received (merged here) and served (from our change feed)', ['direction'], () => {
    const stats = node.mesh.catchUpStats()
    return stats === undefined
      ? []
      : [
          [{ direction: 'received' }, stats.pagesReceived],
          [{ direction: 'served' }, stats.pagesServed],
        ]
  })
  counterFrom(
    'trellis_catchup_bytes_total',
    'Catch-up bytes between relays: received (estimated node bytes) and served (wire characters)',
    ['direction'],
    () => {
      const stats = node.mesh.catchUpStats()
      return stats === undefined
        ? []
        : [
            [{ direction: 'received' }, stats.bytesReceived],
            [{ direction: 'served' }, stats.bytesServed],
          ]
    },
  )
  counterFrom(
    'trellis_catchup_events_total',
    'Catch-up passes completed, requests timed out (stock relays never answer), pages refused as invalid, nodes of pages this relay refused (limits, horizon)',
    ['event'],
    () => {
      const stats = node.mesh.catchUpStats()
      return stats === undefined
        ? []
        : [
            [{ event: 'pass_completed' }, stats.passesCompleted],
            [{ event: 'request_timed_out' }, stats.requestsTimedOut],
            [{ event: 'page_refused' }, stats.pagesRefused],
            [{ event: 'node_refused' }, stats.nodesRefused],
          ]
    },
  )
  gaugeFrom('trellis_catchup_last_seconds', 'Unix time of the last completed catch-up pass with each relay peer (by its pid)', ['peer'], () => {
    const stats = node.mesh.catchUpStats()
    return stats === undefined ? [] : [...stats.lastCatchUp].map(([pid, at]) => [{ peer: pid }, at / 1000])
  })
  gaugeFrom('trellis_uptime_seconds', 'Seconds since this node started', [], () => [[{}, (Date.now() - node.startedAt) / 1000]])

  return {
    registry,
    request(op, status, seconds) {
      requests.inc({ op, status: String(status) })
      if (op !== 'other' && op !== 'subscribe') durations.observe({ op }, seconds)
      if (op === 'read' && status < 400) httpReads.count++
    },
  }
}
