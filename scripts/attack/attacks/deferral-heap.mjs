// Finding 9: each insert into a full deferral queue scanned, spliced and sorted
// the whole queue: 100k far-future keys, then earlier ones, stalled the event
// loop for seconds (/healthz worst 21.8 s). Fixed: the queue is a heap (O(log n)
// a write), and once it holds --max-deferred keys (100k by default) further
// future-state puts are refused with an error. The measure is whether the event
// loop stalls (the good client's p99, /healthz); the promise: every frame is
// answered, an ack or an error, none left hanging.
import { MB } from '../lib/stats.mjs'
import { metricValue } from '../lib/http.mjs'
import { randomId } from '../lib/wire.mjs'

const FILL_FRAMES = 10
const KEYS_PER_FILL = 10_000
const EARLY_FRAMES = 20
const KEYS_PER_EARLY = 100

function bigPut(soul, count, firstState, value) {
  const states = {}
  const node = { _: { '#': soul, '>': states } }
  for (let k = 0; k < count; k++) {
    states[`k${k}`] = firstState + k
    node[`k${k}`] = value
  }
  return node
}

export default {
  id: 'deferral-heap',
  finding: '9',
  title: 'Full deferral queue, then earlier writes',
  what: `${(FILL_FRAMES * KEYS_PER_FILL) / 1000}k keys stamped 2 h ahead, then ${EARLY_FRAMES} frames of ${KEYS_PER_EARLY} keys stamped 1 h ahead`,
  budgetMs: 45_000,
  boundBytes: 64 * MB,
  boundText: 'deferred keys (--max-deferred 100000), --max-deferred-bytes 64mb; 64 MB',
  flags(want) {
    // Keep a horizon that admits the 2 h states, whatever the default becomes.
    want('max-future', '3h')
    want('max-deferred', '100000')
    want('max-deferred-bytes', '64mb')
  },
  async run(ctx) {
    const c = await ctx.connect()
    const far = Date.now() + 7_200_000
    const fill = { ok: 0, err: 0, none: 0 }
    let firstErr
    const count = (answer, tally) => {
      if (answer === undefined) tally.none++
      else if (answer.err !== undefined) tally.err++, (firstErr ??= String(answer.err))
      else tally.ok++
    }
    for (let f = 0; f < FILL_FRAMES; f++) {
      const id = randomId()
      const ack = c.waitFor((m) => m['@'] === id && (m.ok !== undefined || m.err !== undefined), 20_000)
      c.send({ '#': id, put: { [`ff9/${f}`]: bigPut(`ff9/${f}`, KEYS_PER_FILL, far + f * KEYS_PER_FILL, f) } })
      count(await ack, fill)
    }
    const earlyState = Date.now() + 3_600_000
    const start = Date.now()
    const acks = []
    for (let f = 0; f < EARLY_FRAMES; f++) {
      const id = randomId()
      acks.push(c.waitFor((m) => m['@'] === id && (m.ok !== undefined || m.err !== undefined), 40_000))
      c.send({ '#': id, put: { [`ff9/early${f}`]: bigPut(`ff9/early${f}`, KEYS_PER_EARLY, earlyState + f * KEYS_PER_EARLY, f) } })
    }
    const early = { ok: 0, err: 0, none: 0 }
    for (const answer of await Promise.all(acks)) count(answer, early)
    const queued = metricValue(await ctx.metrics(), 'trellis_deferred_writes')
    const tally = (t) => `${t.ok} acked, ${t.err} refused, ${t.none} unanswered`
    ctx.note(
      `fill: ${FILL_FRAMES} frames of ${KEYS_PER_FILL} keys: ${tally(fill)}; earlier keys: ${EARLY_FRAMES} frames of ${KEYS_PER_EARLY}: ${tally(early)}, the last answer ${Date.now() - start} ms after the first was sent${firstErr ? `; first error: "${firstErr.slice(0, 160)}"` : ''}`,
    )
    return {
      promise: {
        held: fill.none === 0 && early.none === 0 && (queued === undefined || queued <= 100_000),
        text: `frames answered: fill ${tally(fill)}; earlier ${tally(early)}; queue ${queued ?? '?'} keys (bound 100000)`,
      },
    }
  },
}
