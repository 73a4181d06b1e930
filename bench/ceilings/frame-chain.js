// A raw WebSocket client behind the chain calls the relay scenario makes, for
// the bare `ws` ceiling: `get(soul).put(data, ack)` sends the frame a Gun
// client sends (`{"put":{soul:node},"#":id}`) and acks when the forwarder
// echoes it back; `get(soul).on(cb)` calls back for every forwarded put of
// that soul. It parses each frame once, as any client must.
import WebSocket from 'ws'

let counter = 0

export function createFrameClient(url) {
  const socket = new WebSocket(url.replace(/^http/, 'ws'))
  const queue = []
  const acks = new Map()
  const listeners = new Map()
  socket.on('open', () => {
    for (const frame of queue.splice(0)) socket.send(frame)
  })
  socket.on('message', (raw) => {
    const msg = JSON.parse(raw.toString())
    const ack = acks.get(msg['#'])
    if (ack) {
      acks.delete(msg['#'])
      ack({ ok: 1 })
    }
    if (msg.put) for (const soul of Object.keys(msg.put)) for (const cb of listeners.get(soul) ?? []) cb(msg.put[soul], soul)
  })
  const send = (frame) => (socket.readyState === WebSocket.OPEN ? socket.send(frame) : queue.push(frame))

  return {
    get(soul) {
      return {
        put(data, ack) {
          const state = Date.now()
          const node = { _: { '#': soul, '>': {} }, ...data }
          for (const key of Object.keys(data)) node._['>'][key] = state
          const id = `f${process.pid}.${++counter}`
          if (ack) acks.set(id, ack)
          send(JSON.stringify({ put: { [soul]: node }, '#': id }))
        },
        on(cb) {
          if (!listeners.has(soul)) listeners.set(soul, [])
          listeners.get(soul).push(cb)
        },
      }
    },
    close: () => socket.close(),
  }
}
