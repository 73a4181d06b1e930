import { describe, expect, it } from 'vitest'
import { createBoundedMap } from '../../src/mesh/bounded-map.js'
import { createDedup } from '../../src/mesh/dedup.js'
import { DEFAULT_LIMITS } from '../../src/mesh/limits.js'
import { createOutbox } from '../../src/mesh/outbox.js'
import { Peer } from '../../src/mesh/peer.js'
import { createSubscriptions } from '../../src/mesh/subscriptions.js'
import { startSweeper } from '../../src/mesh/sweeper.js'

/** Bounds in bytes and expiry without traffic for the mesh tables (issue 11, findings 15 and the bytes bounds). */
describe('byte bounds', () => {
  it('dedup counts the characters of its ids and evicts the oldest past maxBytes', () => {
    const dedup = createDedup(1_000_000, 9000, () => 0, 1000)
    for (let i = 0; i < 20; i++) dedup.track(`${String(i).padStart(2, '0')}${'x'.repeat(98)}`) // 100 chars each
    expect(dedup.bytes).toBe(1000)
    expect(dedup.size).toBe(10)
    expect(dedup.check(`00${'x'.repeat(98)}`)).toBe(false)
    expect(dedup.check(`19${'x'.repeat(98)}`)).toBe(true)
    dedup.track(`19${'x'.repeat(98)}`) // a touch of a held id adds nothing
    expect(dedup.bytes).toBe(1000)
    dedup.forget(`19${'x'.repeat(98)}`)
    expect(dedup.bytes).toBe(900)
  })

  it('a bounded map counts key characters (and value bytes) and evicts the oldest past maxBytes', () => {
    const evicted: string[] = []
    const map = createBoundedMap<string>({ max: 1000, maxBytes: 50, ageMs: Infinity, bytesOf: (v) => v.length, onEvict: (k) => evicted.push(k) })
    map.set('aaaaa', '0123456789') // 15
    map.set('bbbbb', '0123456789') // 30
    map.set('ccccc', '0123456789') // 45
    expect(map.bytes).toBe(45)
    map.set('ddddd', '0123456789') // 60 > 50: the oldest goes
    expect(evicted).toEqual(['aaaaa'])
    expect(map.bytes).toBe(45)
    map.set('bbbbb', 'x') // replaced: its bytes follow
    expect(map.bytes).toBe(36)
    map.delete('ccccc')
    expect(map.bytes).toBe(21)
    map.clear()
    expect(map.bytes).toBe(0)
  })

  it('subscriptions count soul and key characters per peer and in all; past a bound souls are refused, keys widen', () => {
    const link = { send: () => {}, close: () => {}, bufferedAmount: () => 0 }
    const a = new Peer('a', link, { outgoing: false }, DEFAULT_LIMITS, () => {})
    const b = new Peer('b', link, { outgoing: false }, DEFAULT_LIMITS, () => {})
    const subs = createSubscriptions({ maxPerPeer: 1000, maxEntries: 1000, maxKeysPerSoul: 10, maxKeyChars: 100, maxBytesPerPeer: 30, maxBytes: 50 })
    expect(subs.add(a, 'soul-0000', 'k1')).toBe(true) // 9 + 2
    expect(a.subscribedBytes).toBe(11)
    expect(subs.add(a, 'soul-0001')).toBe(true) // 20
    expect(subs.add(a, 'soul-0002')).toBe(true) // 29
    expect(subs.add(a, 'soul-0003')).toBe(false) // 38 > 30 for a
    expect(subs.add(a, 'soul-0000', 'k2')).toBe(true) // no room for the key: a gets the whole soul
    expect(a.subscribedBytes).toBe(27)
    expect(subs.add(b, 'soul-0004')).toBe(true) // 27 + 9 = 36 in all
    expect(subs.add(b, 'soul-0005')).toBe(true) // 45
    expect(subs.add(b, 'soul-0006')).toBe(false) // 54 > 50 in all
    expect(subs.byteCount).toBe(45)
    subs.removePeer(a)
    subs.removePeer(b)
    expect(subs.byteCount).toBe(0)
    expect(a.subscribedBytes + b.subscribedBytes).toBe(0)
  })

  it('the outbox counts the JSON it keeps and drops the oldest write past maxBytes, telling its writer', () => {
    const told: unknown[] = []
    const outbox = createOutbox(1000, 60_000, () => 0, 100)
    const entry = (id: string) => ({ id, putText: 'x'.repeat(40), onAck: (ack: unknown) => told.push([id, ack]), createdAt: 0 })
    outbox.add(entry('w1'))
    outbox.add(entry('w2'))
    expect(outbox.bytes).toBe(80)
    outbox.add(entry('w3'))
    expect(outbox.bytes).toBe(80)
    expect(told).toEqual([['w1', { err: 'Outbox full: write dropped before any peer acknowledged it.', lack: true }]])
    outbox.settle('w2')
    expect(outbox.bytes).toBe(40)
  })
})

describe('expiry without traffic', () => {
  it('sweeps expired entries a slice at a time, on later turns, until every table is empty', async () => {
    let now = 0
    const dedup = createDedup(1_000_000, 100, () => now)
    const routes = createBoundedMap<number>({ max: 1_000_000, ageMs: 100, now: () => now })
    for (let i = 0; i < 5000; i++) {
      dedup.track(`d${i}`)
      routes.set(`r${i}`, i)
    }
    now = 1000 // every entry is past its age; nothing touches the tables any more
    const sizes: number[] = []
    const slices = { dedup: dedup.sweep.bind(dedup), routes: routes.sweep.bind(routes) }
    const empty = new Promise<void>((resolve) => {
      const stop = startSweeper(
        [
          { sweep: (limit) => slices.dedup(limit) },
          {
            sweep: (limit) => {
              const more = slices.routes(limit)
              sizes.push(routes.size)
              if (routes.size === 0 && dedup.size === 0) {
                stop()
                resolve()
              }
              return more
            },
          },
        ],
        5,
        1000,
      )
    })
    await empty
    // 5000 entries in slices of 1000: five sweeps saw entries left, none walked the whole table at once.
    expect(sizes.slice(0, 5)).toEqual([4000, 3000, 2000, 1000, 0])
    expect(dedup.bytes).toBe(0)
    expect(routes.bytes).toBe(0)
  })

  it('an insert never expires more than one slice at once (the sweeper does the rest)', () => {
    let now = 0
    const map = createBoundedMap<number>({ max: 1_000_000, ageMs: 100, now: () => now })
    for (let i = 0; i < 5000; i++) map.set(`k${i}`, i)
    now = 1000
    map.set('fresh', 1)
    expect(map.size).toBe(5001 - 1000)
  })
})

describe('souls asked per relay peer', () => {
  it('are bounded in bytes: past the bound the set starts afresh', async () => {
    const { AskedSouls } = await import('../../src/mesh/peer.js')
    const asked = new AskedSouls(100)
    for (let i = 0; i < 9; i++) asked.add(`${i}${'s'.repeat(9)}`) // 10 chars each: 90
    asked.add(`0${'s'.repeat(9)}`) // held already: nothing changes
    expect(asked.bytes).toBe(90)
    asked.add('x'.repeat(20)) // 110 > 100: forget the rest, keep the newcomer
    expect(asked.size).toBe(1)
    expect(asked.bytes).toBe(20)
    expect(asked.has('x'.repeat(20))).toBe(true)
  })
})
