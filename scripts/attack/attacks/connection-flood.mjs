// Many connections at once from one attacker: past --max-peers the relay must
// refuse newcomers (Gun's `mob` notice) and keep serving the others.
import { MB } from '../lib/stats.mjs'

const CONNECTIONS = 3000
const MAX_PEERS = 1000

export default {
  id: 'connection-flood',
  finding: '—',
  title: 'Connection flood',
  what: `${CONNECTIONS} WebSocket connections opened in bursts of 100 and held`,
  budgetMs: 45_000,
  boundBytes: 64 * MB,
  boundText: `--max-peers ${MAX_PEERS}; 64 MB`,
  flags(want) {
    want('max-peers', String(MAX_PEERS))
  },
  async run(ctx) {
    const clients = []
    let failed = 0
    for (let i = 0; i < CONNECTIONS && !ctx.signal.aborted; i += 100) {
      const batch = await Promise.allSettled(Array.from({ length: 100 }, () => ctx.connect({ timeoutMs: 10_000 })))
      for (const r of batch) r.status === 'fulfilled' ? clients.push(r.value) : failed++
    }
    await ctx.sleep(2000)
    const open = clients.filter((c) => !c.closed).length
    return {
      promise: {
        held: open <= MAX_PEERS + 10,
        text: `${open} of ${CONNECTIONS} connections still open after 2 s (${failed} failed to open)`,
      },
    }
  },
}
