// A subscriber that stops reading while a writer floods its soul: the relay's
// send queue for it must stay bounded (and the subscriber be dropped), and
// other clients must not notice.
import { MB } from '../lib/stats.mjs'

const PUTS = 1500
const VALUE = 20_000

export default {
  id: 'slow-consumer',
  finding: '—',
  title: 'Slow consumer',
  what: `a subscriber stops reading; a writer puts ${PUTS} × 20 KB to its soul (30 MB)`,
  budgetMs: 40_000,
  boundBytes: 16 * MB,
  boundText: '16 MB send queue per peer (default)',
  async run(ctx) {
    const slow = await ctx.raw()
    await slow.sendText(JSON.stringify({ '#': 'sub1', get: { '#': 'slow/flood' } }))
    await ctx.sleep(300)
    slow.socket.pause()
    let dropped = false
    slow.socket.once('close', () => (dropped = true))
    const writer = await ctx.connect()
    const big = 'w'.repeat(VALUE)
    let last
    for (let i = 0; i < PUTS && !writer.closed; i++) {
      const done = writer.put('slow/flood', { [`k${i}`]: big }, Date.now(), 20_000)
      if (i % 50 === 49) await done
      last = done
    }
    await last
    await ctx.sleep(1000)
    // Read again: a socket the relay closed now reports its end.
    slow.socket.resume()
    await ctx.until(() => dropped, 3000, 50)
    ctx.note(`the non-reading subscriber was ${dropped ? 'dropped by the relay' : 'still connected'} after the flood`)
    return {}
  },
}
