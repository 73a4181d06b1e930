import { afterEach, describe, expect, it } from 'vitest'
import { pair, sign } from '../../src/sea/index.js'
import { rawClient, type RawClient } from './helpers.js'
import { startLimitedRelay, type LimitedRelay } from './fairness-helpers.js'

// A signature check costs a relay ~90 µs of a verify thread, twenty times a plain written key: a peer
// sending user-space keys with junk signatures (free to make) must pay for the checks from its own
// budget, or it queues them without bound and everyone's signed writes wait behind them.

let relay: LimitedRelay | undefined
const open: RawClient[] = []
afterEach(async () => {
  for (const c of open.splice(0)) c.close()
  await relay?.kill()
  relay = undefined
})

const KEYS_PER_PUT = 400
const PUTS = 30

/**
 * `PUTS` puts of `KEYS_PER_PUT` keys into `soul`, each with a well-formed signature that is not the owner's;
 * with `unsigned`, each put ends with a key that has no signature at all (refused without a check).
 */
function flood(client: RawClient, soul: string, unsigned = false): void {
  const junk = Buffer.alloc(64, 7).toString('base64')
  for (let p = 0; p < PUTS; p++) {
    const node: Record<string, unknown> = {}
    const states: Record<string, number> = {}
    for (let k = 0; k < KEYS_PER_PUT; k++) {
      node[`k${p}-${k}`] = JSON.stringify({ ':': k, '~': junk })
      states[`k${p}-${k}`] = 1_700_000_000_000
    }
    if (unsigned) {
      node[`z${p}`] = 1
      states[`z${p}`] = 1_700_000_000_000
    }
    client.send({ '#': `h${p}`, put: { [`${soul}/flood`]: { _: { '#': `${soul}/flood`, '>': states }, ...node } } })
  }
}

describe('fairness: one peer flooding signature checks', () => {
  it.each([
    ['every key signed', false],
    // Refused at its last key without a check, the put used to be answered (its checks counted done) while
    // the checks of the keys before it still waited; their refusals went unhandled and the relay exited.
    ['a last key with no signature', true],
  ])(
    'holds no more of the shared queue of checks than its share: past it, its frames wait for its checks (%s)',
    async (_, unsigned) => {
      // A budget that never binds: only the share of the queue holds the flood back.
      relay = await startLimitedRelay({ peerKeysPerSecond: 1e12, maxPeerChecksWaiting: 200 })
      const victim = await pair()
      const heavy = await rawClient(relay.url, { pid: 'heavy' })
      open.push(heavy)
      flood(heavy, `~${victim.pub}`, unsigned)
      const r = relay
      const waiting: number[] = []
      let answered = 0
      while (answered < PUTS) {
        waiting.push((await r.metric('trellis_sea_verifications_pending')) ?? 0)
        answered = heavy.heard.filter((m) => typeof m['@'] === 'string' && (m['@'] as string).startsWith('h')).length
        await new Promise((resolve) => setImmediate(resolve))
      }
      for (let p = 0; p < PUTS; p++) expect((await heavy.waitFor((m) => m['@'] === `h${p}`, 60_000)).err).toBe('Unverified data.')
      // The share, plus the one put that took the peer past it (its keys are checked together).
      expect(Math.max(...waiting)).toBeLessThanOrEqual(200 + KEYS_PER_PUT)
      expect(waiting.some((n) => n > 0)).toBe(true)
    },
    90_000,
  )

  it("charges a peer's user-space keys to its budget: the flood waits its turn, another user's signed write does not", async () => {
    relay = await startLimitedRelay({ peerKeysPerSecond: 50_000 })
    const victim = await pair()
    const soul = `~${victim.pub}`
    const heavy = await rawClient(relay.url, { pid: 'heavy' })
    const light = await rawClient(relay.url, { pid: 'light' })
    open.push(heavy, light)
    // 12 000 keys, each with a well-formed signature that is not the owner's: every one is checked, every put refused.
    flood(heavy, soul)
    await heavy.waitFor((m) => m['@'] === 'h0', 30_000)
    // The light client writes into its owner's space with a good signature while the flood is under way.
    const writer = await pair()
    const state = Date.now()
    const { s } = (await sign({ '#': `~${writer.pub}`, '.': 'name', ':': 'light', '>': state }, writer, { raw: true })) as { s: string }
    light.send({
      '#': 'l1',
      put: { [`~${writer.pub}`]: { _: { '#': `~${writer.pub}`, '>': { name: state } }, name: JSON.stringify({ ':': 'light', '~': s }) } },
    })
    expect((await light.waitFor((m) => m['@'] === 'l1', 30_000)).ok).toBe(true)
    const heavyAnsweredBeforeLight = heavy.heard.filter((m) => typeof m['@'] === 'string').length
    expect(heavyAnsweredBeforeLight).toBeLessThan(PUTS)
    for (let p = 0; p < PUTS; p++) expect((await heavy.waitFor((m) => m['@'] === `h${p}`, 60_000)).err).toBe('Unverified data.')
    expect(await relay.metric('trellis_inbound_events_total{event="budget_wait"}')).toBeGreaterThan(0)
  }, 90_000)
})
