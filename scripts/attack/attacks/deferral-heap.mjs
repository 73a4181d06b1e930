// Finding 9: each insert into a full deferral queue scanned, spliced and sorted
// the whole queue: 100k far-future keys, then earlier ones, stalled the event
// loop for seconds (/healthz worst 21.8 s).
import { MB } from '../lib/stats.mjs'
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
  what: `${FILL_FRAMES * KEYS_PER_FILL / 1000}k keys stamped 2 h ahead, then ${EARLY_FRAMES} frames of ${KEYS_PER_EARLY} keys stamped 1 h ahead`,
  budgetMs: 45_000,
  boundBytes: 64 * MB,
  boundText: '100k deferred keys (default); 64 MB',
  flags(want) {
    // Keep a horizon that admits the 2 h states, whatever the default becomes.
    want('max-future', '3h')
  },
  async run(ctx) {
    const c = await ctx.connect()
    const far = Date.now() + 7_200_000
    let fillAcked = 0
    for (let f = 0; f < FILL_FRAMES; f++) {
      const id = randomId()
      const ack = c.waitFor((m) => m['@'] === id, 20_000)
      c.send({ '#': id, put: { [`ff9/${f}`]: bigPut(`ff9/${f}`, KEYS_PER_FILL, far + f * KEYS_PER_FILL, f) } })
      if ((await ack)?.ok !== undefined) fillAcked++
    }
    const early = Date.now() + 3_600_000
    const start = Date.now()
    const acks = []
    for (let f = 0; f < EARLY_FRAMES; f++) {
      const id = randomId()
      acks.push(c.waitFor((m) => m['@'] === id, 40_000))
      c.send({ '#': id, put: { [`ff9/early${f}`]: bigPut(`ff9/early${f}`, KEYS_PER_EARLY, early + f * KEYS_PER_EARLY, f) } })
    }
    const answered = (await Promise.all(acks)).filter((m) => m !== undefined).length
    ctx.note(`fill: ${fillAcked}/${FILL_FRAMES} frames of ${KEYS_PER_FILL} keys answered; earlier keys: ${answered}/${EARLY_FRAMES} frames acknowledged, ${Date.now() - start} ms after the first was sent`)
    return {}
  },
}
