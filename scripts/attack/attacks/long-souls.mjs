// Finding 8: soul length was unlimited on wire puts: 1M- and 4M-char souls were
// acked, a GET then said "not found", and every GET /api/v1/souls answered with
// all of them (eight concurrent listings took RSS to 2 GB). Fixed: a soul past
// --max-soul-chars (4096 by default) is refused with an error on every entry
// point, and a listing stops short of --max-list-bytes with a next cursor.
// Held: all four refused with an error, and no listing answer over the bound.
import { MB } from '../lib/stats.mjs'

const SIZES = [1_000_000, 1_000_000, 4_000_000, 4_000_000]
const LISTINGS = 8
const MAX_SOUL_CHARS = 4096
const MAX_LIST = 1 * MB

export default {
  id: 'long-souls',
  finding: '8',
  title: 'Long souls + concurrent soul listings',
  what: `puts to souls of 1M, 1M, 4M, 4M chars; then ${LISTINGS} concurrent GET /api/v1/souls?limit=1000`,
  budgetMs: 45_000,
  boundBytes: 32 * MB,
  boundText: 'soul length (--max-soul-chars 4096), listing (--max-list-bytes 1mb); 32 MB',
  flags(want) {
    want('max-soul-chars', String(MAX_SOUL_CHARS))
    want('max-list-bytes', '1mb')
  },
  async run(ctx) {
    const c = await ctx.connect()
    const outcomes = []
    for (let i = 0; i < SIZES.length && !c.closed; i++) {
      const soul = `${i}`.padEnd(SIZES[i], 's')
      const r = await c.put(soul, { a: i }, Date.now(), 20_000)
      const read = r.ok ? await c.getKey(soul, 'a', 10_000) : undefined
      outcomes.push({ r, found: read?.found === true })
    }
    let firstErr
    for (const o of outcomes) firstErr ??= o.r.err
    if (firstErr !== undefined) ctx.note(`first refusal: "${firstErr.slice(0, 160)}"`)
    const listings = await Promise.all(Array.from({ length: LISTINGS }, () => ctx.http('/api/v1/souls?limit=1000', { timeoutMs: 30_000 })))
    const refused = outcomes.filter((o) => o.r.err !== undefined).length
    const ackedLost = outcomes.filter((o) => o.r.ok && !o.found).length
    const ackedRead = outcomes.filter((o) => o.r.ok && o.found).length
    const biggest = Math.max(...listings.map((l) => l.bytes))
    const slowest = Math.max(...listings.map((l) => l.ms))
    ctx.note(
      `long souls: ${refused} refused with an error, ${ackedRead} acked and readable, ${ackedLost} acked then "not found"; ${LISTINGS} listings: largest answer ${(biggest / MB).toFixed(1)} MB, slowest ${Math.round(slowest)} ms, statuses ${[...new Set(listings.map((l) => l.status))].join(',')}`,
    )
    return {
      promise: {
        held: refused === SIZES.length && biggest <= MAX_LIST + 64 * 1024 && listings.every((l) => l.status === 200),
        text: `${refused}/${SIZES.length} over-long souls refused; ${ackedLost} acked then not found; largest listing ${(biggest / MB).toFixed(2)} MB (bound 1 MB)`,
      },
    }
  },
}
