// Finding 10: work per message was not bounded: 20 GETs of a 100k-key node in
// one frame delayed another client's one-key put ack by 7.3 s. Fixed: big
// replies go out in slices that yield, each peer's frames wait their turn
// (round-robin lanes), and a peer's served keys are budgeted
// (--peer-keys-per-second); its send queue is bounded (--max-send-queue).
// The measure is the good client's put-ack latency meanwhile.
import { MB } from '../lib/stats.mjs'
import { randomId } from '../lib/wire.mjs'

const SOUL = 'big10'
const KEYS = 100_000
const GETS_PER_FRAME = 20
const FRAMES = 2

export default {
  id: 'large-gets',
  finding: '10',
  title: 'Large GETs flood',
  what: `${FRAMES} frames, each ${GETS_PER_FRAME} GETs of a ${KEYS / 1000}k-key node (written before the attack)`,
  budgetMs: 60_000,
  boundBytes: 64 * MB,
  boundText: 'sliced replies, --peer-keys-per-second 250000, --max-send-queue 16mb; 64 MB',
  flags(want) {
    // The defaults, passed so the run records them.
    want('peer-keys-per-second', '250000')
    want('max-send-queue', '16mb')
  },
  async setup(ctx) {
    const writer = await ctx.connect()
    for (let f = 0; f < 10; f++) {
      const values = {}
      for (let k = f * (KEYS / 10); k < (f + 1) * (KEYS / 10); k++) values[`k${k}`] = k
      const r = await writer.put(SOUL, values, Date.now(), 30_000)
      if (!r.ok) throw new Error(`setup: writing ${SOUL} failed: ${JSON.stringify(r)}`)
    }
    writer.close()
  },
  async run(ctx) {
    const c = await ctx.connect({ parse: false })
    const start = Date.now()
    for (let f = 0; f < FRAMES; f++) {
      c.sendText(JSON.stringify(Array.from({ length: GETS_PER_FRAME }, () => ({ '#': randomId(), get: { '#': SOUL } }))))
    }
    // The answers are megabytes each; read them (a well-behaved reader) until the relay goes quiet,
    // or leave after 20 s (a relay that paces a heavy reader may take longer; the good client's view
    // during those 20 s is what this attack measures).
    const quiet = await ctx.until(() => c.stats.lastFrameAt > 0 && Date.now() - c.stats.lastFrameAt > 1500, 20_000, 100)
    ctx.note(
      `attacker received ${(c.stats.bytes / MB).toFixed(0)} MB in ${c.stats.frames} frames; the last ${c.stats.lastFrameAt > 0 ? c.stats.lastFrameAt - start : '—'} ms after sending${quiet ? '' : '; it left after 20 s, answers still coming'}`,
    )
    return {}
  },
}
