import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { rawClient, type RawClient } from './helpers.js'
import { startLimitedRelay, type LimitedRelay } from './fairness-helpers.js'

// Issue 11 #10 / attack #15: a frame of many small messages was not sliced. A 45 KB frame of 1000
// one-soul GETs (souls that do not exist) ran at once on arrival — each GET a subscription, a route,
// a "not found" answer and an ask-back GET — and the flooder's lane stayed idle between such frames,
// so frame after frame ran as it arrived and another client's one-key put waited for all of them.
// Against a real relay process (dist/); the assertion is on the order of messages on one socket.

const S = 1700000000000
const FRAMES = 4
const ROUNDS = 6
const GETS_PER_FRAME = 1000

let relay: LimitedRelay | undefined
const open: { close(): void }[] = []
afterEach(async () => {
  for (const c of open.splice(0)) c.close()
  await relay?.kill()
  relay = undefined
})

/**
 * A flooder that counts, per frame of GETs, the answers it has heard, and notes how many answers it
 * had heard when the push of `small` (another client's write) reached it — one socket, so the
 * relay's order. One round at a time (`round`): GET ids and pushed values carry the round.
 */
interface Flooder {
  ws: WebSocket
  round: number
  answered: number[]
  total(): number
  /** Answers per frame of this round when this round's push of `small` arrived. */
  atPush: number[] | undefined
  pushed: Promise<void>
  disconnected: Promise<number>
  startRound(round: number): void
}

async function flooder(url: string): Promise<Flooder> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'))
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  open.push(ws)
  let signalPush: () => void = () => {}
  let subscribed: () => void = () => {}
  const subscribedToSmall = new Promise<void>((r) => (subscribed = r))
  const f: Flooder = {
    ws,
    round: -1,
    answered: [],
    total: () => f.answered.reduce((a, b) => a + b, 0),
    atPush: undefined,
    pushed: Promise.resolve(),
    disconnected: new Promise<number>((r) => ws.once('close', (code) => r(code))),
    startRound(round) {
      f.round = round
      f.answered = new Array<number>(FRAMES).fill(0)
      f.atPush = undefined
      f.pushed = new Promise<void>((r) => (signalPush = r))
    },
  }
  ws.on('message', (data) => {
    const text = data.toString()
    if (text.includes('"@":"sub-small"')) subscribed()
    for (const m of text.matchAll(/"@":"r(\d+)g(\d+)-\d+"|"small":\{"_":\{"#":"small",">":\{"v":[^}]*\}\},"v":(\d+)\}/g)) {
      if (m[1] !== undefined) {
        if (Number(m[1]) === f.round) f.answered[Number(m[2])]++
      } else if (Number(m[3]) === f.round && f.atPush === undefined) {
        f.atPush = [...f.answered]
        signalPush()
      }
    }
  })
  ws.send(JSON.stringify({ '#': 'sub-small', get: { '#': 'small' } }))
  await subscribedToSmall
  return f
}

function sent(ws: WebSocket, text: string): Promise<void> {
  return new Promise((resolve, reject) => ws.send(text, (error) => (error ? reject(error) : resolve())))
}

describe('fairness: one peer flooding frames of many small GETs', () => {
  it("slices a frame of 1000 GETs by messages: another client's put read after it is handled before the frame is answered", async () => {
    relay = await startLimitedRelay()
    const flood = await flooder(relay.url)
    const writer: RawClient = await rawClient(relay.url, { pid: 'writer' })
    open.push(writer)
    const r = relay
    const rounds: string[] = []

    // Stop the relay so that the flood and the put are both waiting in its sockets when it goes on:
    // the flood's first frame (45 KB, under sliceChars: the old fast path ran it whole on arrival) was
    // written first, so the relay reads it first — mostly: in about one round in three it reads the
    // put first, and then even the old relay passes the round. Hence several rounds, all of which
    // must pass (the old relay failed at least one in every run).
    for (let round = 0; round < ROUNDS; round++) {
      flood.startRound(round)
      r.child.kill('SIGSTOP')
      try {
        const frames: Promise<void>[] = []
        for (let f = 0; f < FRAMES; f++) {
          const gets = []
          for (let i = 0; i < GETS_PER_FRAME; i++) gets.push({ '#': `r${round}g${f}-${i}`, get: { '#': `missing/${round}/${f}/${i}` } })
          frames.push(sent(flood.ws, JSON.stringify(gets)))
        }
        // The first frame is in the relay's socket buffer (loopback: written means delivered); later ones may wait for the window.
        await frames[0]
        await sent(writer.ws, JSON.stringify({ '#': `w${round}`, put: { small: { _: { '#': 'small', '>': { v: S + round } }, v: round } } }))
      } finally {
        r.child.kill('SIGCONT')
      }
      expect((await writer.waitFor((m) => m['@'] === `w${round}`, 30_000)).ok).toBe(true)
      await Promise.race([
        flood.pushed,
        flood.disconnected.then((code) => {
          throw new Error(`the relay disconnected the flooder (code ${code})`)
        }),
      ])
      const atPush = flood.atPush as number[]
      rounds.push(atPush.join(','))
      // The write reached the flooder's socket before the flood's first frame was fully answered: the
      // relay handled it between slices of that frame, not after all 1000 GETs of it (nor after later frames).
      const why = `answers per frame when the push arrived, per round: ${rounds.join(' | ')}`
      expect(atPush[0], why).toBeLessThan(GETS_PER_FRAME)
      expect(atPush[FRAMES - 1], why).toBe(0)

      // And the flood is served in full (paced, not dropped).
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (flood.total() === FRAMES * GETS_PER_FRAME) {
            clearInterval(check)
            resolve()
          }
        }, 20)
        void flood.disconnected.then(() => {
          clearInterval(check)
          reject(new Error(`flooder disconnected before all its GETs were answered (${flood.total()})`))
        })
      })
      for (const n of flood.answered) expect(n).toBe(GETS_PER_FRAME)
    }
  }, 90_000)
})
