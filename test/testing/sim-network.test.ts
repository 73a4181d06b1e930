import { afterEach, describe, expect, it } from 'vitest'
import { createSimNetwork, type SimNetwork } from '../../src/testing/index.js'
import { waitUntil } from '../support/wait.js'

const until = (check: () => boolean, ms = 5000) => waitUntil(() => check() || undefined, 'the condition', ms)

let net: SimNetwork | undefined
afterEach(async (ctx) => {
  // A failing run prints its seed: replay with createSimNetwork({ seed }) or TRELLIS_SEED=<seed>.
  if (ctx.task.result?.state === 'fail' && net !== undefined) console.error(`sim network seed: ${net.seed}`)
  await net?.close()
  net = undefined
})

describe('trellis/testing: seeded simulated network', () => {
  it('syncs writes through a relay under delay, reordering and duplication', async () => {
    net = createSimNetwork({ seed: 7, delayMs: [0, 20], duplicate: 0.3 })
    const relay = net.add('relay', { relay: true })
    const a = net.add('a')
    const b = net.add('b')
    net.link(a, relay)
    net.link(b, relay)
    const seen: unknown[] = []
    b.gun
      .get('doc')
      .get('n')
      .on((v: unknown) => seen.push(v))
    await net.settle()
    for (let i = 1; i <= 20; i++) a.gun.get('doc').put({ n: i })
    await until(() => seen.includes(20))
    await net.settle()
    expect(b.engine.peek('doc')?.get('n')).toBe(20)
    expect(relay.engine.peek('doc')?.get('n')).toBe(20)
  })

  it('B22: two instances wired directly converge (put on one, map().on on the other)', async () => {
    net = createSimNetwork({ seed: 3, delayMs: [0, 10] })
    const b = net.add('b', { relay: true })
    const d = net.add('d')
    net.link(d, b)
    const seen = new Map<string, unknown>()
    d.gun
      .get('multi')
      .map()
      .on((v: unknown, k: string) => seen.set(k, v))
    await net.settle()
    b.gun.get('multi').put({ greeting: 'hello' })
    await until(() => seen.get('greeting') === 'hello')
    expect(d.engine.peek('multi')?.get('greeting')).toBe('hello')
  })

  it('a partitioned writer catches up after it reconnects (outbox + resubscribe)', async () => {
    net = createSimNetwork({ seed: 11, delayMs: [0, 5] })
    const relay = net.add('relay', { relay: true })
    const a = net.add('a')
    const b = net.add('b')
    const linkA = net.link(a, relay)
    net.link(b, relay)
    const seenByB: unknown[] = []
    b.gun
      .get('p')
      .get('v')
      .on((v: unknown) => seenByB.push(v))
    a.gun
      .get('p')
      .get('v')
      .on(() => {})
    await net.settle()
    net.partition([a], [relay])
    a.gun.get('p').put({ v: 'written while partitioned' })
    await net.settle()
    expect(seenByB).not.toContain('written while partitioned')
    net.heal()
    linkA.close()
    net.link(a, relay)
    await until(() => seenByB.includes('written while partitioned'))
  })

  it('relays peered in a cycle converge without a storm', async () => {
    net = createSimNetwork({ seed: 3, delayMs: [0, 10], duplicate: 0.2 })
    const r1 = net.add('r1', { relay: true })
    const r2 = net.add('r2', { relay: true })
    const r3 = net.add('r3', { relay: true })
    net.link(r1, r2)
    net.link(r2, r3)
    net.link(r3, r1)
    const c1 = net.add('c1')
    const c3 = net.add('c3')
    net.link(c1, r1)
    net.link(c3, r3)
    const seen: unknown[] = []
    c3.gun
      .get('ring')
      .get('x')
      .on((v: unknown) => seen.push(v))
    await net.settle()
    const before = net.frames
    c1.gun.get('ring').put({ x: 'around' })
    await until(() => seen.includes('around'))
    await net.settle()
    expect(net.frames - before).toBeLessThan(40)
    for (const r of [r1, r2, r3]) expect(r.engine.peek('ring')?.get('x')).toBe('around')
  })

  it('is replayable: the same seed gives the same frame count', async () => {
    const run = async (seed: number) => {
      const n = createSimNetwork({ seed, delayMs: [0, 3], duplicate: 0.5, drop: 0.1 })
      const r = n.add('r', { relay: true })
      const a = n.add('a')
      n.link(a, r)
      for (let i = 0; i < 10; i++) a.gun.get('s').put({ i })
      await n.settle()
      const result = { frames: n.frames, dropped: n.dropped }
      await n.close()
      return result
    }
    expect(await run(99)).toEqual(await run(99))
  })
})
