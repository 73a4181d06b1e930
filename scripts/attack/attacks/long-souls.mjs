// Finding 8: soul length was unlimited on wire puts: 1M- and 4M-char souls were
// acked, a GET then said "not found", and every GET /api/v1/souls answered with
// all of them (eight concurrent listings took RSS to 2 GB).
import { MB } from '../lib/stats.mjs'

const SIZES = [1_000_000, 1_000_000, 4_000_000, 4_000_000]
const LISTINGS = 8

export default {
  id: 'long-souls',
  finding: '8',
  title: 'Long souls + concurrent soul listings',
  what: `puts to souls of 1M, 1M, 4M, 4M chars; then ${LISTINGS} concurrent GET /api/v1/souls?limit=1000`,
  budgetMs: 45_000,
  boundBytes: 32 * MB,
  boundText: 'soul length (default bound); 32 MB',
  async run(ctx) {
    const c = await ctx.connect()
    const outcomes = []
    for (let i = 0; i < SIZES.length && !c.closed; i++) {
      const soul = `${i}`.padEnd(SIZES[i], 's')
      const r = await c.put(soul, { a: i }, Date.now(), 20_000)
      const read = r.ok ? await c.getKey(soul, 'a', 10_000) : undefined
      outcomes.push({ r, found: read?.found === true })
    }
    const listings = await Promise.all(Array.from({ length: LISTINGS }, () => ctx.http('/api/v1/souls?limit=1000', { timeoutMs: 30_000 })))
    const refused = outcomes.filter((o) => o.r.err !== undefined).length
    const ackedLost = outcomes.filter((o) => o.r.ok && !o.found).length
    const ackedRead = outcomes.filter((o) => o.r.ok && o.found).length
    const biggest = Math.max(...listings.map((l) => l.bytes))
    const slowest = Math.max(...listings.map((l) => l.ms))
    ctx.note(`long souls: ${refused} refused with an error, ${ackedRead} acked and readable, ${ackedLost} acked then "not found"; ${LISTINGS} listings: largest answer ${(biggest / MB).toFixed(1)} MB, slowest ${Math.round(slowest)} ms, statuses ${[...new Set(listings.map((l) => l.status))].join(',')}`)
    return {
      promise: {
        held: refused === SIZES.length,
        text: `${refused}/${SIZES.length} over-long souls refused; ${ackedLost} acked then not found; listing ${(biggest / MB).toFixed(1)} MB`,
      },
    }
  },
}
