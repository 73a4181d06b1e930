import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/mesh/limits.js'
import { Peer } from '../../src/mesh/peer.js'
import { createSubscriptions, EVERY_KEY } from '../../src/mesh/subscriptions.js'

const link = { send: () => {}, close: () => {}, bufferedAmount: () => 0 }
const peer = (id: string) => new Peer(id, link, { outgoing: false }, DEFAULT_LIMITS, () => {})
const table = (limits: Partial<Parameters<typeof createSubscriptions>[0]> = {}) =>
  createSubscriptions({ maxPerPeer: 100, maxEntries: 1000, maxKeysPerSoul: 3, maxKeyChars: 10, ...limits })

describe('subscriptions table', () => {
  it('holds keys per (peer, soul); a whole-soul GET or too many keys widen it to every key', () => {
    const subs = table()
    const a = peer('a')
    const b = peer('b')
    subs.add(a, 'room', 'title')
    subs.add(a, 'room', 'count')
    subs.add(a, 'room', 'count') // held already: nothing changes
    subs.add(b, 'room')
    expect(subs.of('room')?.get(a)).toEqual(new Set(['title', 'count']))
    expect(subs.of('room')?.get(b)).toBe(EVERY_KEY)
    expect(subs.entryCount).toBe(4) // two (peer, soul) entries and a's two keys
    subs.add(b, 'room', 'title') // a key GET never narrows a whole-soul subscription
    expect(subs.of('room')?.get(b)).toBe(EVERY_KEY)
    subs.add(a, 'room', 'topic')
    subs.add(a, 'room', 'owner') // a fourth key, past the cap of 3: the whole soul, and the keys are let go
    expect(subs.of('room')?.get(a)).toBe(EVERY_KEY)
    expect(subs.entryCount).toBe(2)
    expect(a.subscribedKeys).toBe(0)
  })

  it('a hostile peer cannot grow it: long keys and keys past its budget widen, souls past it are refused', () => {
    const subs = table({ maxPerPeer: 4, maxEntries: 6 })
    const a = peer('a')
    subs.add(a, 's1', 'x'.repeat(11)) // longer than maxKeyChars: not held
    expect(subs.of('s1')?.get(a)).toBe(EVERY_KEY)
    subs.add(a, 's2', 'k1')
    subs.add(a, 's2', 'k2') // s1, s2, k1, k2: the peer's budget of 4 is spent
    subs.add(a, 's2', 'k3')
    expect(subs.of('s2')?.get(a)).toBe(EVERY_KEY) // widened instead of growing
    expect(subs.add(a, 's3', 'k')).toBe(true) // widening gave back the keys' budget: s1, s2, s3, k
    expect(subs.of('s3')?.get(a)).toEqual(new Set(['k']))
    expect(subs.add(a, 's4')).toBe(false) // budget spent: refused
    expect(subs.add(peer('b'), 's1')).toBe(true)
    expect(subs.add(peer('c'), 's1')).toBe(true) // 6 entries in all
    expect(subs.add(peer('d'), 's1')).toBe(false)
  })

  it('a leaving peer takes its souls and keys with it', () => {
    const subs = table()
    const a = peer('a')
    const b = peer('b')
    subs.add(a, 's1', 'k')
    subs.add(a, 's2')
    subs.add(b, 's1')
    subs.removePeer(a)
    expect(subs.entryCount).toBe(1)
    expect(a.subscribedKeys).toBe(0)
    expect(subs.of('s2')).toBeUndefined()
    expect([...(subs.of('s1')?.keys() ?? [])]).toEqual([b])
  })
})
