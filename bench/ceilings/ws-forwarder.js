// The relay ceiling: a bare `ws` server that forwards every frame it gets to
// every connected socket, sender included (the echo is the sender's ack).
// No parsing, no dedup, no storage: the least work any relay can do.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'

export async function startWsForwarder() {
  const server = createServer((_req, res) => res.writeHead(404).end())
  const wss = new WebSocketServer({ server, path: '/gun' })
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      for (const peer of wss.clients) if (peer.readyState === 1) peer.send(data, { binary: isBinary })
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}/gun`,
    close: () =>
      new Promise((resolve) => {
        wss.close()
        server.close(() => resolve())
      }),
  }
}
