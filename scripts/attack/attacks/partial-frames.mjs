// Finding 6: half-received frames were bounded per socket (16 MiB) but not in
// total: 40 sockets each holding 14 MB of an unfinished frame grew RSS by 510 MB.
// Fixed: past --max-partial-frames (bytes of unfinished frames, all sockets)
// the relay closes the socket holding most (1009). The pass is RSS within the
// bound; the note says how many attacking sockets the relay closed.
import { metricValue } from '../lib/http.mjs'
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
  boundText: '32 MB of partial frames, all sockets (--max-partial-frames 32mb)',
  flags(want) {
    want('max-partial-frames', '32mb')
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
    // What the relay counts as held, against what its process holds (no GC first: freed parser buffers of the
    // sockets it closed stay allocated until V8 collects their Buffer objects).
    const held = metricValue(await ctx.metrics(), 'trellis_partial_frame_bytes')
    const usage = await ctx.memory()
    const rss = await ctx.rss()
    ctx.note(
      `at the end: partial frames held ${held === undefined ? '?' : `${(held / MB).toFixed(1)} MB`} (trellis_partial_frame_bytes); relay RSS ${(rss / MB).toFixed(0)} MB${usage ? `, array buffers ${(usage.arrayBuffers / MB).toFixed(0)} MB, JS heap used ${(usage.heapUsed / MB).toFixed(0)} MB (before any GC)` : ''}`,
    )
    const open = sockets.filter((s) => !s.closed).length
    const codes = {}
    for (const s of sockets) if (s.closeCode !== undefined) codes[s.closeCode] = (codes[s.closeCode] ?? 0) + 1
    if (Object.keys(codes).length > 0)
      ctx.note(
        `close codes the relay sent: ${Object.entries(codes)
          .map(([code, n]) => `${code} × ${n}`)
          .join(', ')}`,
      )
    ctx.note(
      `${sockets.length} sockets upgraded (${refused} refused or closed while sending); ${open} still open holding their partial frame after 2 s, ${sockets.length - open} closed by the relay (${Math.round((open * SENT) / MB)} MB of partial frames left on open sockets)`,
    )
    return {}
  },
}
