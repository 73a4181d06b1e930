// A subscriber that stops reading while a writer floods its soul: the relay's
// send queue for it must stay bounded (the subscriber dropped, its buffers
// freed), and other clients must not notice. The writer rewrites one key, so
// the node itself stays 20 KB: what grows is what is queued for the reader.
import { metricValue } from '../lib/http.mjs'

const PUTS = 3000
const VALUE = 20_000

async function counts(ctx) {
  const metrics = await ctx.metrics()
  return { peers: metricValue(metrics, 'trellis_peers{', 'kind="incoming"'), sockets: metricValue(metrics, 'trellis_gun_sockets') }
}

export default {
  id: 'slow-consumer',
  finding: '—',
  title: 'Slow consumer',
  what: `a subscriber stops reading; a writer rewrites one 20 KB key of its soul ${PUTS} times (60 MB of pushes)`,
  budgetMs: 40_000,
  boundBytes: 16 * 1024 * 1024,
  boundText: '16 MB send queue per peer (--max-send-queue)',
  flags(want) {
    want('max-send-queue', '16mb')
  },
  async run(ctx) {
    const slow = await ctx.raw()
    await slow.sendText(JSON.stringify({ '#': 'sub1', get: { '#': 'slow/flood' } }))
    await ctx.sleep(300)
    slow.socket.pause()
    const writer = await ctx.connect()
    const before = await counts(ctx)
    let last
    for (let i = 0; i < PUTS && !writer.closed; i++) {
      const done = writer.put('slow/flood', { v: `${i}`.padEnd(VALUE, 'w') }, Date.now(), 20_000)
      if (i % 50 === 49) await done
      last = done
    }
    await last
    await ctx.sleep(1000)
    const after = await counts(ctx)
    // The observer's good client and the writer are the other incoming peers.
    const dropped = after.peers !== undefined && before.peers !== undefined && after.peers < before.peers
    ctx.note(
      `the non-reading subscriber was ${dropped ? 'dropped from the mesh' : 'still a peer'} after the flood (incoming peers ${before.peers} → ${after.peers}); Gun sockets open ${before.sockets} → ${after.sockets}${dropped && after.sockets >= before.sockets ? ' (its socket stays open: a graceful close waits for a reader that does not read)' : ''}`,
    )
    return { promise: { held: dropped, text: dropped ? 'slow subscriber dropped' : 'slow subscriber kept (queue unbounded?)' } }
  },
}
