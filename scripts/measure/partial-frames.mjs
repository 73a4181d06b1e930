// RSS of a real relay process while many sockets each hold most of a big, never-finished frame.
//
//   npm run build && node scripts/measure/partial-frames.mjs [--sockets 40] [--mb 14] [--limits JSON]
//
// Each raw TCP client upgrades to a WebSocket at /gun, sends the header of a (mb+1) MB text frame
// and `--mb` MB of its payload, then stalls. Prints the relay's RSS before and after (from its
// /metrics), its reported partial-frame bytes, and how many sockets it closed. 127.0.0.1 only;
// bounded in time (about 30 s).
import { connect } from 'node:net'
import { startRelay } from './relay.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : process.argv[i + 1]
}
const count = Number(arg('sockets', '40'))
const mb = Number(arg('mb', '14'))
const limits = arg('limits', undefined)
const { port, stop } = await startRelay({ name: 'partial-frames', limits })
const metrics = async () => {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())
  const get = (name) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
    return m ? Number(m[1]) : undefined
  }
  return { rss: get('process_resident_memory_bytes'), partial: get('trellis_partial_frame_bytes'), closes: get('trellis_partial_frame_closes_total') }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
await sleep(500)
const before = await metrics()
let closed = 0
const sockets = []
await Promise.all(
  Array.from(
    { length: count },
    () =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1')
        sockets.push(socket)
        socket.on('error', () => {})
        socket.once('close', () => {
          closed++
          resolve()
        })
        socket.once('connect', () =>
          socket.write(
            'GET /gun HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
          ),
        )
        let head = ''
        const onData = (chunk) => {
          head += chunk.toString('latin1')
          if (!head.includes('\r\n\r\n')) return
          socket.off('data', onData)
          socket.resume()
          const header = Buffer.alloc(14)
          header[0] = 0x81
          header[1] = 0x80 | 127
          header.writeBigUInt64BE(BigInt((mb + 1) * 1024 * 1024), 2)
          socket.write(Buffer.concat([header, Buffer.alloc(mb * 1024 * 1024, 'a')]), () => resolve())
        }
        socket.on('data', onData)
      }),
  ),
)
// Let the relay read what is in flight.
await sleep(3000)
const during = await metrics()
const closedByRelay = closed
for (const s of sockets) s.destroy()
await sleep(1000)
const after = await metrics()
stop('SIGTERM')
const m = (b) => (b === undefined ? 'n/a' : `${(b / 1e6).toFixed(0)} MB`)
console.log(`${count} sockets × ${mb} MB of an unfinished ${mb + 1} MB frame${limits ? `, limits ${limits}` : ''}`)
console.log(`relay RSS: before ${m(before.rss)}, while stalled ${m(during.rss)} (+${m(during.rss - before.rss)}), after the clients left ${m(after.rss)}`)
console.log(
  `partial-frame bytes reported: ${m(during.partial)}; sockets closed by the relay: ${during.closes ?? 'n/a'} (seen closed by the clients: ${closedByRelay})`,
)
process.exit(0)
