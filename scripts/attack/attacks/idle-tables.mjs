// Finding 15: route and dedup tables expired only when new traffic arrived
// (35 s after every client left: 100k routes, 320 MB RSS). Here: 100k GETs of
// distinct souls from 10 clients, the clients leave, the relay gets no wire
// traffic at all (the good client goes quiet), and the tables are read from
// /metrics after the routes' age (30 s) has passed. Fixed: the mesh's sweeper
// expires routes (30 s) and dedup ids (9 s) on a timer, without traffic, and
// both tables are bounded in bytes (--max-route-bytes, --max-dedup-bytes). The
// ages have no flag, so the wait stays 33 s.
import { MB } from '../lib/stats.mjs'
import { metricValue } from '../lib/http.mjs'
import { randomId } from '../lib/wire.mjs'

const CLIENTS = 10
const GETS_PER_CLIENT = 10_000
const PER_FRAME = 1000
const QUIET_MS = 33_000

async function tables(ctx) {
  const metrics = await ctx.metrics()
  return {
    routes: metricValue(metrics, 'trellis_mesh_table_size', 'table="routes"'),
    dedup: metricValue(metrics, 'trellis_mesh_table_size', 'table="dedup"'),
    routeBytes: metricValue(metrics, 'trellis_mesh_table_bytes', 'table="routes"'),
    dedupBytes: metricValue(metrics, 'trellis_mesh_table_bytes', 'table="dedup"'),
  }
}

export default {
  id: 'idle-tables',
  finding: '15',
  title: 'Route/dedup tables after clients leave',
  what: `${CLIENTS} clients × ${GETS_PER_CLIENT / 1000}k GETs of distinct souls, then they leave; tables and RSS after ${QUIET_MS / 1000} s without wire traffic`,
  budgetMs: 40_000,
  boundBytes: 64 * MB,
  boundText: 'time-based expiry (routes 30 s, dedup 9 s), --max-route-bytes 4mb, --max-dedup-bytes 8mb; 64 MB',
  flags(want) {
    // The defaults, passed so the run records them.
    want('max-route-bytes', '4mb')
    want('max-dedup-bytes', '8mb')
  },
  quietAfter: true,
  settleMs: QUIET_MS,
  async run(ctx) {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => ctx.connect()))
    const sentAt = Date.now()
    clients.forEach((c, n) => {
      for (let i = 0; i < GETS_PER_CLIENT; i += PER_FRAME) {
        const frame = []
        for (let k = i; k < i + PER_FRAME; k++) frame.push({ '#': randomId(12), get: { '#': `t15/${n}/${k}` } })
        c.sendText(JSON.stringify(frame))
      }
    })
    // Each GET is answered "not found", and the relay asks the client back for what it holds of the soul
    // (get-handler's askBack: two messages per GET); wait until both have come, or the relay goes quiet.
    await ctx.until(
      () => clients.every((c) => c.stats.messages >= 2 * GETS_PER_CLIENT) || clients.every((c) => Date.now() - c.stats.lastFrameAt > 1500),
      30_000,
      100,
    )
    const answered = clients.reduce((n, c) => n + c.stats.messages, 0)
    const lastAt = Math.max(...clients.map((c) => c.stats.lastFrameAt))
    ctx.note(
      `${answered} messages came back to the ${CLIENTS} clients (per GET a "not found" and the relay's ask-back GET, plus greetings), the last ${lastAt - sentAt} ms after the GETs were sent`,
    )
    const during = await tables(ctx)
    ctx.note(
      `tables while the clients were connected: routes ${during.routes} (${during.routeBytes} bytes), dedup ${during.dedup} (${during.dedupBytes} bytes)`,
    )
    return { during }
  },
  async after(ctx, outcome) {
    const after = await tables(ctx)
    const held = after.routes !== undefined && after.dedup !== undefined && after.routes <= 1000 && after.dedup <= 1000
    return {
      promise: {
        held,
        text: `${QUIET_MS / 1000} s after the clients left: routes ${outcome.during?.routes ?? '?'} → ${after.routes ?? '?'}, dedup ${outcome.during?.dedup ?? '?'} → ${after.dedup ?? '?'}`,
      },
    }
  },
}
