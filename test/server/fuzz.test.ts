import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { createFrameFuzzer } from './fuzz-frames.js'
import { waitUntil } from '../support/wait.js'
import { rawClient, roundTrip, type RawClient } from './helpers.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261121)
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000)

/**
 * 100k seeded hostile frames (generated and mutated) against a live relay.
 * It stays up, its tables stay within their bounds, and a well-behaved
 * client keeps being served throughout. Replay with FUZZ_SEED=<seed>.
 */
describe(`fuzz: ${FRAMES} hostile frames (seed ${SEED})`, () => {
  let relay: Relay
  let attackers: RawClient[]
  let good: RawClient

  beforeAll(async () => {
    relay = await createRelay({ port: 0, limits: { maxDedup: 20_000, maxRoutes: 10_000, maxSubscriptionsPerPeer: 1_000 } })
    attackers = await Promise.all([rawClient(relay.url, { pid: 'evil1' }), rawClient(relay.url, { pid: 'evil2' })])
    good = await rawClient(relay.url, { pid: 'good' })
  })
  afterAll(async () => {
    for (const c of attackers) c.close()
    good.close()
    await relay.close()
  })

  it('stays up, bounded, and keeps serving a well-behaved client', { timeout: 120_000 }, async () => {
    const next = createFrameFuzzer(SEED)
    const heapBefore = process.memoryUsage().heapUsed
    let served = 0
    let maxDedup = 0
    let maxRoutes = 0
    const start = Date.now()
    for (let i = 0; i < FRAMES; i++) {
      const attacker = attackers[i % attackers.length]
      if (attacker.ws.readyState !== attacker.ws.OPEN) attackers[i % attackers.length] = await rawClient(relay.url)
      else attacker.sendText(next())
      if (i % 2000 === 1999) {
        // Let the relay breathe and drop what attackers heard (memory of the test itself).
        for (const a of attackers) {
          a.heard.length = 0
          a.frames.length = 0
          await waitUntil(() => a.ws.bufferedAmount <= 1 << 20, 'an attacker socket drains below 1 MiB', 60_000)
        }
        const id = `good${i}`
        const value = `v${i}`
        good.send({ '#': id, put: { goodsoul: { _: { '#': 'goodsoul', '>': { k: Date.now() } }, k: value } } })
        const ack = await good.waitFor((m) => m['@'] === id, 10_000)
        expect(ack.ok).toBe(true)
        const gid = `g${i}`
        good.send({ '#': gid, get: { '#': 'goodsoul', '.': 'k' } })
        const reply = await good.waitFor((m) => m['@'] === gid, 10_000)
        expect(JSON.stringify(reply.put)).toContain(value)
        good.heard.length = 0
        served++
        const stats = relay.mesh.stats()
        maxDedup = Math.max(maxDedup, stats.dedup)
        maxRoutes = Math.max(maxRoutes, stats.routes)
      }
    }
    const seconds = (Date.now() - start) / 1000
    // The relay handles a socket's frames in order: once each open attacker's GET is answered, every frame it sent before has been handled.
    await Promise.all(
      attackers
        .filter((a) => a.ws.readyState === a.ws.OPEN)
        .map((a) =>
          roundTrip(a, 30_000).catch((error) => {
            if (a.ws.readyState === a.ws.OPEN) throw error // a socket the relay closed mid-barrier has nothing left to handle
          }),
        ),
    )
    const stats = relay.stats()
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6
    console.log(
      `fuzz: ${FRAMES} frames in ${seconds.toFixed(1)} s, served ${served} round trips; dedup max ${maxDedup}, routes max ${maxRoutes}, subs ${stats.subscriptions}, souls ${stats.souls}, heap +${heapGrowthMb.toFixed(0)} MB`,
    )
    expect(served).toBe(Math.floor(FRAMES / 2000))
    expect(maxDedup).toBeLessThanOrEqual(20_000)
    expect(maxRoutes).toBeLessThanOrEqual(10_000)
    expect(stats.subscriptions).toBeLessThanOrEqual(3 * 1_000)
    expect(heapGrowthMb).toBeLessThan(300)
    expect(({} as Record<string, unknown>).v).toBeUndefined()
  })
})
