import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { rawClient, type RawClient } from './helpers.js'
import { startLimitedRelay, type LimitedRelay } from './fairness-helpers.js'
import { waitUntil } from '../support/wait.js'

// Issue 11 #10: work per message was not bounded — 20 GETs of a 100k-key node in one frame delayed
// another client's one-key put ack by seconds. These run against a real relay process (dist/).

const S = 1700000000000
const KEYS = 30_000
const CHUNK_KEYS = 1000 // DEFAULT_LIMITS.chunkKeys: replies come in messages of this many keys
const GETS_PER_FRAME = 20
const FRAMES = 2

let relay: LimitedRelay | undefined
const open: { close(): void }[] = []
afterEach(async () => {
  for (const c of open.splice(0)) c.close()
  await relay?.kill()
  relay = undefined
})

async function seedBigNode(url: string, soul: string, keys: number): Promise<void> {
  const seeder = await rawClient(url, { pid: 'seeder' })
  open.push(seeder)
  for (let from = 0; from < keys; from += 5000) {
    const node: Record<string, unknown> = {}
    const states: Record<string, number> = {}
    for (let k = from; k < Math.min(keys, from + 5000); k++) {
      node[`key${k}`] = `value number ${k}`
      states[`key${k}`] = S
    }
    seeder.send({ '#': `seed${from}`, put: { [soul]: { _: { '#': soul, '>': states }, ...node } } })
    expect((await seeder.waitFor((m) => m['@'] === `seed${from}`, 20_000)).ok).toBe(true)
  }
}

/**
 * A flooder that does not keep what it hears (the replies run to tens of MB): it counts, per GET,
 * the reply messages it has received, and notes the order in which the pushes of `small` arrive
 * relative to the last reply messages of its GETs — all on one socket, so in the relay's order.
 */
interface Flooder {
  ws: WebSocket
  /** GETs whose reply is complete (all its messages heard). */
  answered: number
  /** For each value of `small` pushed to it: how many GETs were complete when the push arrived. */
  pushes: Map<number, number>
  firstChunk: Promise<void>
  disconnected: Promise<number>
}

async function flooder(url: string): Promise<Flooder> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { maxPayload: 256 * 1024 * 1024 })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  open.push(ws)
  const chunksPerGet = Math.ceil(KEYS / CHUNK_KEYS)
  const counts = new Map<string, number>()
  let signalFirst: () => void = () => {}
  const f: Flooder = {
    ws,
    answered: 0,
    pushes: new Map(),
    firstChunk: new Promise<void>((r) => (signalFirst = r)),
    disconnected: new Promise<number>((r) => ws.once('close', (code) => r(code))),
  }
  let subscribed: () => void = () => {}
  const subscribedToSmall = new Promise<void>((r) => (subscribed = r))
  ws.on('message', (data) => {
    const text = data.toString()
    if (text.includes('"@":"sub-small"')) subscribed()
    // Messages in the order they were sent: a reply chunk of one of our GETs, or a push of `small`.
    for (const m of text.matchAll(/"@":"(fl\d+-\d+)"|"small":\{"_":\{"#":"small",">":\{"v":[^}]*\}\},"v":(\d+)\}/g)) {
      if (m[1] !== undefined) {
        signalFirst()
        const n = (counts.get(m[1]) ?? 0) + 1
        counts.set(m[1], n)
        if (n === chunksPerGet) f.answered++
      } else f.pushes.set(Number(m[2]), f.answered)
    }
  })
  ws.send(JSON.stringify({ '#': 'sub-small', get: { '#': 'small' } }))
  await subscribedToSmall
  return f
}

describe('fairness: one peer flooding large GETs', () => {
  it("does not queue another client's put acks behind the flood (the pushes of its puts overtake the flood's replies)", async () => {
    relay = await startLimitedRelay()
    await seedBigNode(relay.url, 'big', KEYS)
    const flood = await flooder(relay.url)
    const writer: RawClient = await rawClient(relay.url, { pid: 'writer' })
    open.push(writer)

    for (let f = 0; f < FRAMES; f++) {
      const gets = []
      for (let i = 0; i < GETS_PER_FRAME; i++) gets.push({ '#': `fl${f}-${i}`, get: { '#': 'big' } })
      flood.ws.send(JSON.stringify(gets))
    }
    const totalGets = FRAMES * GETS_PER_FRAME
    await flood.firstChunk

    // The well-behaved client writes one key at a time, each after the previous ack.
    const writes = 5
    const lastPush = new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (flood.pushes.has(writes - 1)) {
          clearInterval(check)
          resolve()
        }
      }, 5)
      void flood.disconnected.then((code) => {
        clearInterval(check)
        reject(new Error(`the relay disconnected the flooder (code ${code}) instead of pacing its replies`))
      })
    })
    for (let i = 0; i < writes; i++) {
      writer.send({ '#': `w${i}`, put: { small: { _: { '#': 'small', '>': { v: S + i } }, v: i } } })
      const ack = await writer.waitFor((m) => m['@'] === `w${i}`, 30_000)
      expect(ack.ok).toBe(true)
    }
    await lastPush

    // Each write reached the flooder's socket while the flood was still being answered: the relay
    // handled the small puts between slices of the big replies, not after all of them.
    for (let i = 0; i < writes; i++) {
      const completeAtPush = flood.pushes.get(i)
      expect(completeAtPush, `push of write ${i}`).toBeDefined()
      expect(completeAtPush as number).toBeLessThan(totalGets)
    }
    // And the flood is still served in full (paced, not dropped).
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (flood.answered === totalGets) {
          clearInterval(check)
          resolve()
        }
      }, 20)
      void flood.disconnected.then(() => {
        clearInterval(check)
        reject(new Error('flooder disconnected before its replies were complete'))
      })
    })
    expect(await relay.metric('trellis_inbound_events_total{event="sliced_task"}')).toBeGreaterThanOrEqual(totalGets)
  }, 120_000)

  it('makes a client over its budget wait its turn: its frames queue (bounded, reading paused), all are served, others are not held up', async () => {
    const KiB = 1024
    relay = await startLimitedRelay({ peerCharsPerSecond: 512 * KiB, maxPeerBacklogChars: 512 * KiB })
    const heavy = await rawClient(relay.url, { pid: 'heavy' })
    const light = await rawClient(relay.url, { pid: 'light' })
    open.push(heavy, light)
    let heavyClosed = false
    heavy.ws.once('close', () => (heavyClosed = true))
    // 30 puts of ~100 KB: 3 MB against a burst of 2 MiB and a refill of 512 KiB/s.
    const frames = 30
    const big = 'x'.repeat(100 * KiB)
    for (let i = 0; i < frames; i++) heavy.send({ '#': `h${i}`, put: { heavy: { _: { '#': 'heavy', '>': { [`k${i}`]: S + i } }, [`k${i}`]: big } } })
    // Once the heavy client is waiting for its budget, a light client's put still goes through at once.
    const r = relay
    const backlog: (number | undefined)[] = []
    await waitUntil(async () => {
      backlog.push(await r.metric('trellis_inbound_backlog_chars'))
      return (backlog.at(-1) ?? 0) > 0
    }, "the heavy client's frames wait in its lane (backlog > 0)")
    light.send({ '#': 'l1', put: { light: { _: { '#': 'light', '>': { a: S } }, a: 1 } } })
    expect((await light.waitFor((m) => m['@'] === 'l1', 10_000)).ok).toBe(true)
    const heavyAckedBeforeLight = heavy.heard.filter((m) => typeof m['@'] === 'string' && (m['@'] as string).startsWith('h')).length
    expect(heavyAckedBeforeLight).toBeLessThan(frames)
    // All of the heavy client's puts are served in the end: paced, none refused, not disconnected.
    for (let i = 0; i < frames; i++) expect((await heavy.waitFor((m) => m['@'] === `h${i}`, 30_000)).ok).toBe(true)
    backlog.push(await r.metric('trellis_inbound_backlog_chars'))
    expect(heavyClosed).toBe(false)
    for (const chars of backlog) expect(chars as number).toBeLessThanOrEqual(512 * KiB)
    expect(await r.metric('trellis_inbound_events_total{event="budget_wait"}')).toBeGreaterThan(0)
    expect(await r.metric('trellis_inbound_events_total{event="backlog_close"}')).toBe(0)
  }, 60_000)
})
