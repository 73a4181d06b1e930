import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { createDb, type Ack } from '../../src/index.node.js'

type Msg = Record<string, unknown>

/**
 * A relay stand-in on a real socket (127.0.0.1): greets like Gun, records every message it hears,
 * and answers each put with what `answer` returns (an `err` ack, an `ok` ack, or nothing).
 */
async function fakeRelay(answer: (put: Msg) => Msg | undefined) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const puts: { socket: WebSocket; msg: Msg }[] = []
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ '#': 'greet' + Math.random().toString(36).slice(2), dam: '?', pid: 'fake-relay' }))
    socket.on('message', (data) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(data.toString())
      } catch {
        return
      }
      for (const msg of [parsed].flat() as Msg[]) {
        if (msg.put === undefined || msg['@'] !== undefined) continue
        puts.push({ socket, msg })
        const reply = answer(msg)
        if (reply !== undefined) socket.send(JSON.stringify({ '#': 'r' + Math.random().toString(36).slice(2), '@': msg['#'], ...reply }))
      }
    })
  })
  const url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}/gun`
  return { url, puts, close: () => new Promise<void>((resolve) => wss.close(() => resolve())) }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Fails instead of hanging: `synced()` used to wait forever after an error ack (issue 11, finding 13). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms))),
  ])
}

describe('a write a peer refuses (finding 13)', () => {
  it('gets the error in its callback, leaves the outbox, and synced() resolves', async () => {
    const relay = await fakeRelay(() => ({ err: 'Refused by policy.' }))
    cleanups.push(relay.close)
    const db = createDb({ peers: [relay.url] })
    cleanups.push(() => db.close())
    const acks: Ack[] = []
    const acked = new Promise<void>((resolve) =>
      db.get('refused').put({ v: 1 }, (ack: Ack) => {
        acks.push(ack)
        resolve()
      }),
    )
    await within(acked, 5000, 'the put callback')
    expect(acks).toEqual([{ err: 'Refused by policy.' }])
    await within(db.synced(), 5000, 'synced()')
    expect(db.pending).toBe(0)
  })

  it('an error from a peer is cut short before it reaches the writer', async () => {
    const relay = await fakeRelay(() => ({ err: 'x'.repeat(100_000) }))
    cleanups.push(relay.close)
    const db = createDb({ peers: [relay.url] })
    cleanups.push(() => db.close())
    const ack = await within(new Promise<Ack>((resolve) => db.get('long-err').put({ v: 1 }, resolve)), 5000, 'the put callback')
    expect(String(ack.err).length).toBeLessThanOrEqual(256)
    await within(db.synced(), 5000, 'synced()')
  })
})

describe('local message ids (finding 14)', () => {
  it('are random: no shared prefix within one instance, none shared across instances', async () => {
    const relay = await fakeRelay(() => ({ ok: true }))
    cleanups.push(relay.close)
    const dbs = [createDb({ peers: [relay.url] }), createDb({ peers: [relay.url] })]
    for (const db of dbs) cleanups.push(() => db.close())
    const N = 20
    for (const [i, db] of dbs.entries()) {
      const acks: Promise<unknown>[] = []
      for (let k = 0; k < N; k++) acks.push(new Promise((resolve) => db.get(`ids${i}`).put({ k }, resolve)))
      await within(Promise.all(acks), 5000, 'acks')
    }
    const ids = relay.puts.map((p) => String(p.msg['#']))
    expect(ids).toHaveLength(2 * N)
    expect(new Set(ids).size).toBe(ids.length)
    // A prefix plus a counter shares its first 9 characters between any two ids of one instance; random
    // 9-character ids from a 61-letter alphabet share 5 with probability ~1e-9 per pair.
    for (let a = 0; a < ids.length; a++) {
      expect(ids[a]).toMatch(/^[0-9A-Za-z]{9}$/)
      for (let b = a + 1; b < ids.length; b++) expect(ids[a].slice(0, 5), `${ids[a]} / ${ids[b]}`).not.toBe(ids[b].slice(0, 5))
    }
  })
})
