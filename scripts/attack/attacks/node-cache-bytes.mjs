// Finding 7: the node cache in front of the data directory counted nodes, not
// bytes: 60 nodes of 6 MB grew RSS by 408 MB. Fixed: the engine's in-memory
// graph is bounded in estimated bytes too (--max-memory-bytes), oldest out, and
// so is the log storage's cache of decoded nodes (--storage-cache-bytes).
//
// A string value is now refused past --max-value-chars (4 Mi chars by default),
// so each 6 MB node is two keys of 3 MB (the same ≈360 MB in all), written one
// after the other on one connection as before (with --peer-bytes-per-second
// raised to 64 MB/s: at the default 8 MB/s, 360 MB take 45 s of pacing, which
// is not what this attack tests). Then every node is read back,
// one GET at a time: stored and read back is the promise, and reading makes
// the relay load the nodes it dropped from memory back from the data directory.
import { metricValue } from '../lib/http.mjs'
import { MB } from '../lib/stats.mjs'

const CONNECTIONS = 1
const NODES = 60
const VALUE_CHARS = 3 * MB
// The two caches nodes are held in: the engine's graph and the log storage's decoded-node cache.
const BOUND = 32 * MB + 32 * MB

export default {
  id: 'node-cache-bytes',
  finding: '7',
  title: 'Node cache by bytes',
  what: `${NODES} puts of a 6 MB node (two 3 MB values) to distinct souls (current state, durable), on ${CONNECTIONS} connection; then every node read back`,
  budgetMs: 75_000,
  boundBytes: BOUND,
  boundText: '64 MB of node caches (--max-memory-bytes 32mb, --storage-cache-bytes 32mb; --peer-bytes-per-second 64mb)',
  flags(want) {
    want('max-memory-bytes', '32mb')
    want('storage-cache-bytes', '32mb')
    want('peer-bytes-per-second', '64mb')
  },
  async run(ctx) {
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => ctx.connect()))
    const a = 'n'.repeat(VALUE_CHARS)
    const b = 'm'.repeat(VALUE_CHARS)
    const counts = { ok: 0, err: 0, timeout: 0 }
    const acked = []
    let firstErr
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = n; i < NODES && !c.closed; i += CONNECTIONS) {
          const r = await c.put(`big7/${i}`, { a, b }, Date.now(), 20_000)
          if (r.ok) counts.ok++, acked.push(i)
          else if (r.err !== undefined) counts.err++, (firstErr ??= r.err)
          else counts.timeout++
        }
      }),
    )
    const written = await ctx.metrics()
    const cacheAfterWrites = metricValue(written, 'trellis_node_cache_bytes')
    const rssAfterWrites = await ctx.rss()
    ctx.note(
      `${NODES} × 6 MB nodes: ${counts.ok} acked, ${counts.err} refused${firstErr ? ` ("${firstErr.slice(0, 120)}")` : ''}, ${counts.timeout} unanswered; node cache then ${cacheAfterWrites === undefined ? '?' : `${(cacheAfterWrites / MB).toFixed(1)} MB`} estimated, RSS ${(rssAfterWrites / MB).toFixed(0)} MB`,
    )
    // Read every acked node back, one at a time.
    const reader = clients[0]
    let readBack = 0
    const missing = []
    for (const i of acked.sort((x, y) => x - y)) {
      if (ctx.signal.aborted) break
      const ra = await reader.getKey(`big7/${i}`, 'a', 20_000)
      const rb = await reader.getKey(`big7/${i}`, 'b', 20_000)
      if (ra.found === true && rb.found === true && ra.value === a && rb.value === b) readBack++
      else if (missing.length < 3) missing.push(`big7/${i}`)
    }
    const read = await ctx.metrics()
    const cacheAfterReads = metricValue(read, 'trellis_node_cache_bytes')
    const rssAfterReads = await ctx.rss()
    ctx.note(
      `read back ${readBack}/${acked.length} acked nodes whole${missing.length > 0 ? ` (missing e.g. ${missing.join(', ')})` : ''}; node cache then ${cacheAfterReads === undefined ? '?' : `${(cacheAfterReads / MB).toFixed(1)} MB`} estimated, RSS ${(rssAfterReads / MB).toFixed(0)} MB`,
    )
    return {
      promise: {
        held: counts.ok === NODES && readBack === acked.length,
        text: `${counts.ok}/${NODES} acked, ${readBack}/${acked.length} read back whole; node cache ${cacheAfterReads === undefined ? '?' : `${(cacheAfterReads / MB).toFixed(1)} MB`} (bound 32 MB)`,
      },
    }
  },
}
