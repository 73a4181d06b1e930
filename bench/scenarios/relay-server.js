// Entry of the relay process: one relay of the kind asked for (Trellis,
// stock Gun or the bare ws ceiling) on 127.0.0.1, storing into `dir`. It
// reports its URL, answers RSS queries and exits with its parent.
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { startWsForwarder } from '../ceilings/ws-forwarder.js'

const [kind, dir] = process.argv.slice(2)

async function start() {
  switch (kind) {
    case 'ws':
      return startWsForwarder()
    case 'gun': {
      const Gun = createRequire(import.meta.url)('gun')
      const server = createServer()
      // The stock relay as its README runs it; stats off only so it never writes into node_modules.
      Gun({ web: server, multicast: false, file: dir, stats: false })
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
      return { url: `http://127.0.0.1:${server.address().port}/gun`, close: async () => server.close() }
    }
    case 'trellis': {
      const { createRelay } = await import('trellis/server')
      const relay = await createRelay({ port: 0, host: '127.0.0.1', dataDir: dir })
      return relay
    }
    default:
      throw new Error(`unknown relay kind ${kind}`)
  }
}

const relay = await start().catch((err) => {
  process.send({ type: 'error', error: String(err?.stack ?? err) })
  process.exit(1)
})
process.send({ type: 'ready', url: relay.url })
process.on('message', (msg) => {
  if (msg?.type === 'rss') process.send({ type: 'rss', rss: process.memoryUsage().rss })
})
// The parent owns this process: when it goes, so do we.
process.on('disconnect', () => process.exit(0))
