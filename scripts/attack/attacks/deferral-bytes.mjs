// Finding 5: the deferral queue (writes from the future) was bounded by count,
// not bytes: 40 far-future puts of 6 MB grew RSS by 316 MB.
import { MB } from '../lib/stats.mjs'

const PUTS = 40
const VALUE_BYTES = 6 * MB
const BOUND = 32 * MB

export default {
  id: 'deferral-bytes',
  finding: '5',
  title: 'Deferral queue flood by bytes',
  what: `${PUTS} puts of one 6 MB value each, stamped 1 h ahead`,
  budgetMs: 45_000,
  boundBytes: BOUND,
  boundText: '32 MB deferred (--max-deferred-bytes)',
  flags(want) {
    want('max-deferred-bytes', '32mb')
    // Keep a horizon that admits the 1 h states, whatever the default becomes.
    want('max-future', '3h')
  },
  async run(ctx) {
    const c = await ctx.connect()
    const value = 'd'.repeat(VALUE_BYTES)
    const counts = { ok: 0, err: 0, timeout: 0 }
    let firstErr
    for (let i = 0; i < PUTS && !c.closed; i++) {
      const r = await c.put(`ff5/${i}`, { v: value }, Date.now() + 3_600_000, 15_000)
      if (r.ok) counts.ok++
      else if (r.err !== undefined) (counts.err++, (firstErr ??= r.err))
      else counts.timeout++
    }
    ctx.note(`${PUTS} × 6 MB far-future puts: ${counts.ok} acked, ${counts.err} refused${firstErr ? ` ("${firstErr.slice(0, 80)}")` : ''}, ${counts.timeout} unanswered${c.closed ? '; connection closed by the relay' : ''}`)
    return {}
  },
}
