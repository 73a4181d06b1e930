import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { rawClient } from './helpers.js'
import { startLimitedRelay, type LimitedRelay } from './fairness-helpers.js'
import { waitUntil } from '../support/wait.js'

// Issue 11 #6: half-received frames were bounded per socket only (16 MiB × up to 10 000 peers):
// 40 sockets each holding 14 MB of an unfinished frame grew RSS by 510 MB.

const MiB = 1024 * 1024
const BUDGET = 8 * MiB
const SOCKETS = 40
const FRAME = 2 * MiB // declared length of each frame (under the per-socket cap of 16 MiB)
const SENT = 1.5 * MiB // what each socket sends of it before stalling

let relay: LimitedRelay | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await relay?.kill()
  relay = undefined
})

/** A raw TCP WebSocket client: upgrade, then the start of one text frame of `FRAME` bytes — and no more. */
function stalledFrame(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    sockets.push(socket)
    const closed = new Promise<void>((r) => socket.once('close', () => r()))
    socket.on('error', () => {})
    socket.once('connect', () => {
      socket.write(
        'GET /gun HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      )
    })
    let head = ''
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.slice(0, 80)}`))
      socket.resume() // keep reading (and dropping) what the relay sends
      // FIN + text, masked, 64-bit length; an all-zero mask leaves the payload as written.
      const header = Buffer.alloc(14)
      header[0] = 0x81
      header[1] = 0x80 | 127
      header.writeBigUInt64BE(BigInt(FRAME), 2)
      const payload = Buffer.alloc(SENT, 'a')
      payload.write('{"#":"big","put":"', 0, 'latin1')
      socket.write(Buffer.concat([header, payload]), () => resolve({ socket, closed }))
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

describe('partial frames across sockets', () => {
  it('stay within maxPartialFrameBytes: the sockets holding most are closed, a well-behaved client is served', async () => {
    relay = await startLimitedRelay({ maxPartialFrameBytes: BUDGET })
    const r = relay
    const readings: (number | undefined)[] = []
    const read = async () => void readings.push(await r.metric('trellis_partial_frame_bytes'))
    const attackers = await Promise.all(Array.from({ length: SOCKETS }, () => stalledFrame(r.port)))
    await read()
    // At most this many stalled sockets fit in the budget; the others must be closed by the relay.
    const fit = Math.floor(BUDGET / SENT)
    let closed = 0
    for (const a of attackers) void a.closed.then(() => closed++)
    await waitUntil(
      async () => {
        await read()
        return closed >= SOCKETS - fit
      },
      `the stalled sockets past the budget are closed (${SOCKETS - fit} of ${SOCKETS})`,
      20_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${closed} closed; partial bytes ${readings.join(', ')}`)
    })
    await read()
    // Every reading, taken while the stalled sockets were being read and closed, was within the budget.
    for (const bytes of readings) {
      expect(bytes, 'the relay reports partial-frame bytes').toBeDefined()
      expect(bytes as number).toBeLessThanOrEqual(BUDGET)
    }
    expect(readings.at(-1) as number).toBeGreaterThan(0)
    expect(await r.metric('trellis_partial_frame_closes_total')).toBeGreaterThanOrEqual(SOCKETS - fit)

    const client = await rawClient(r.url, { pid: 'good' })
    client.send({ '#': 'w1', put: { fine: { _: { '#': 'fine', '>': { a: 1700000000000 } }, a: 1 } } })
    expect((await client.waitFor((m) => m['@'] === 'w1', 10_000)).ok).toBe(true)
    client.send({ '#': 'g1', get: { '#': 'fine' } })
    const reply = await client.waitFor((m) => m['@'] === 'g1', 10_000)
    expect((reply.put as Record<string, { a: number }>).fine.a).toBe(1)
    client.close()
  }, 60_000)
})
