// Finding 5: the deferral queue (writes from the future) was bounded by count,
// not bytes: 40 far-future puts of 6 MB grew RSS by 316 MB. Fixed: the queue is
// bounded in estimated bytes too (--max-deferred-bytes); a put that would pass
// it is refused with an error.
//
// A string value is now refused past --max-value-chars (4 Mi chars by default),
// so a 6 MB value would test validation, not the queue: the same ≈240 MB go as
// 80 puts of one 3 MB value (under the value limit), one after the other on one
// connection as before. A connection's frames are paced by
// --peer-bytes-per-second (8 MB/s by default: 240 MB would take half a minute),
// so this attack raises that rate to 64 MB/s: it tests the queue's bound, not
// the pacing.
import { metricValue } from '../lib/http.mjs'
import { MB } from '../lib/stats.mjs'

const CONNECTIONS = 1
const PUTS = 80
const VALUE_CHARS = 3 * MB
const BOUND = 32 * MB

export default {
  id: 'deferral-bytes',
  finding: '5',
  title: 'Deferral queue flood by bytes',
  what: `${PUTS} puts of one 3 MB value each (${(PUTS * VALUE_CHARS) / MB} MB), stamped 1 h ahead, on ${CONNECTIONS} connection`,
  budgetMs: 45_000,
  boundBytes: BOUND,
  boundText: '32 MB deferred (--max-deferred-bytes 32mb; --peer-bytes-per-second 64mb)',
  flags(want) {
    want('max-deferred-bytes', '32mb')
    // Keep a horizon that admits the 1 h states, whatever the default becomes.
    want('max-future', '3h')
    want('peer-bytes-per-second', '64mb')
  },
  async run(ctx) {
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => ctx.connect()))
    const value = 'd'.repeat(VALUE_CHARS)
    const counts = { ok: 0, err: 0, timeout: 0 }
    let firstErr
    let closed = 0
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = n; i < PUTS && !c.closed; i += CONNECTIONS) {
          const r = await c.put(`ff5/${i}`, { v: value }, Date.now() + 3_600_000, 15_000)
          if (r.ok) counts.ok++
          else if (r.err !== undefined) counts.err++, (firstErr ??= r.err)
          else counts.timeout++
        }
        if (c.closed) closed++
      }),
    )
    const metrics = await ctx.metrics()
    const held = { keys: metricValue(metrics, 'trellis_deferred_writes'), bytes: metricValue(metrics, 'trellis_deferred_bytes') }
    ctx.note(
      `${PUTS} × 3 MB far-future puts: ${counts.ok} acked, ${counts.err} refused${firstErr ? ` ("${firstErr.slice(0, 160)}")` : ''}, ${counts.timeout} unanswered${closed > 0 ? `; ${closed} connections closed by the relay` : ''}; queue then: ${held.keys ?? '?'} keys, ${held.bytes === undefined ? '?' : `${(held.bytes / MB).toFixed(1)} MB`} estimated`,
    )
    // Held: the queue took no more than its bound (each value is estimated at 2 bytes a char, so at most
    // BOUND / (2 × 3 MB) puts; the check allows BOUND / 3 MB), the rest were refused with an error, none left unanswered.
    const ok = counts.timeout === 0 && counts.err > 0 && counts.ok * VALUE_CHARS <= BOUND && (held.bytes === undefined || held.bytes <= BOUND)
    return {
      promise: {
        held: ok,
        text: `${counts.ok} acked (${(counts.ok * VALUE_CHARS) / MB} MB of values), ${counts.err} refused with an error, ${counts.timeout} unanswered; deferred bytes held ${held.bytes === undefined ? '?' : `${(held.bytes / MB).toFixed(1)} MB`} of 32 MB`,
      },
    }
  },
}
