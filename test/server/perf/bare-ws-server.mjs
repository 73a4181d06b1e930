// The baseline: a bare `ws` server doing the least a relay must — parse each frame,
// ack puts, remember who asked for a soul and forward puts to them. Same frames as the relay.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

const server = createServer()
const wss = new WebSocketServer({ server, path: '/gun', perMessageDeflate: false })
const subs = new Map()
let n = 0
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString()
    const msg = JSON.parse(text)
    if (msg.get) {
      const soul = msg.get['#']
      if (!subs.has(soul)) subs.set(soul, new Set())
      subs.get(soul).add(ws)
      ws.send(JSON.stringify({ '#': 'r' + n++, '@': msg['#'] }))
      return
    }
    if (msg.put) {
      for (const soul of Object.keys(msg.put)) for (const s of subs.get(soul) ?? []) if (s !== ws) s.send(text)
      ws.send(JSON.stringify({ '#': 'a' + n++, '@': msg['#'], ok: true }))
    }
  })
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`))
process.on('SIGTERM', () => process.exit(0))
