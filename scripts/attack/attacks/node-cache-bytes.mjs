// Finding 7: the node cache in front of the data directory counted nodes, not
// bytes: 60 nodes of 6 MB grew RSS by 408 MB.
import { MB } from '../lib/stats.mjs'

const NODES = 60
const BOUND = 32 * MB

export default {
  id: 'node-cache-bytes',
  finding: '7',
  title: 'Node cache by bytes',
  what: `${NODES} puts of one 6 MB value to distinct souls (current state, durable)`,
  budgetMs: 60_000,
  boundBytes: BOUND,
  boundText: '32 MB node cache (--max-memory-bytes)',
  flags(want) {
    want('max-memory-bytes', '32mb')
  },
  async run(ctx) {
    const c = await ctx.connect()
    const value = 'n'.repeat(6 * MB)
    const counts = { ok: 0, err: 0, timeout: 0 }
    let firstErr
    for (let i = 0; i < NODES && !c.closed; i++) {
      const r = await c.put(`big7/${i}`, { v: value }, Date.now(), 20_000)
      if (r.ok) counts.ok++
      else if (r.err !== undefined) (counts.err++, (firstErr ??= r.err))
      else counts.timeout++
    }
    const check = await c.getKey('big7/0', 'v', 10_000)
    ctx.note(`${NODES} × 6 MB nodes: ${counts.ok} acked, ${counts.err} refused${firstErr ? ` ("${firstErr.slice(0, 80)}")` : ''}, ${counts.timeout} unanswered; first node read back: ${check.found === true && check.value.length === 6 * MB ? 'yes' : 'no'}`)
    return {}
  },
}
