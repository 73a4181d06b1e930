// Finding 6: half-received frames were bounded per socket (16 MiB) but not in
// total: 40 sockets each holding 14 MB of an unfinished frame grew RSS by 510 MB.
import { MB } from '../lib/stats.mjs'

const SOCKETS = 40
const DECLARED = 15 * MB
const SENT = 14 * MB
const BOUND = 32 * MB

export default {
  id: 'partial-frames',
  finding: '6',
  title: 'Half-received frames on many sockets',
  what: `${SOCKETS} sockets each send a frame header for 15 MB and 14 MB of it, then stall`,
  budgetMs: 45_000,
  boundBytes: BOUND,
  boundText: '32 MB of partial frames, all sockets (--max-partial-frame-bytes)',
  flags(want) {
    want('max-partial-frame-bytes', '32mb')
  },
  async run(ctx) {
    const payload = Buffer.alloc(SENT, 0x61)
    const sockets = []
    let refused = 0
    for (let i = 0; i < SOCKETS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, SOCKETS - i) }, async () => {
          try {
            const raw = await ctx.raw()
            sockets.push(raw)
            await raw.write(raw.header(DECLARED))
            await raw.write(payload)
          } catch {
            refused++
          }
        }),
      )
    }
    // Hold the unfinished frames while the observer samples RSS.
    await ctx.sleep(2000)
    const open = sockets.filter((s) => !s.closed).length
    ctx.note(`${sockets.length} sockets upgraded (${refused} refused); ${open} still open holding their partial frame after 2 s`)
    return {}
  },
}
