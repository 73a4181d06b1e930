import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS } from '../../src/mesh/limits.js'
import { Peer } from '../../src/mesh/peer.js'
import { createSubscriptions, EVERY_KEY } from '../../src/mesh/subscriptions.js'

const link = { send: () => {}, close: () => {}, bufferedAmount: () => 0 }
const peer = (id: string) => new Peer(id, link, { outgoing: false }, DEFAULT_LIMITS, () => {})

describe('subscriptions table', () => {
  it('holds keys per (peer, soul); a whole-soul GET or too many keys widen it to every key', () => {
    const subs = createSubscriptions(10, 100, 3)
    const a = peer('a')
    const b = peer('b')
    subs.add(a, 'room', 'title')
    subs.add(a, 'room', 'count')
    subs.add(b, 'room')
    expect(subs.of('room')?.get(a)).toEqual(new Set(['title', 'count']))
    expect(subs.of('room')?.get(b)).toBe(EVERY_KEY)
    subs.add(b, 'room', 'title') // a key GET never narrows a whole-soul subscription
    expect(subs.of('room')?.get(b)).toBe(EVERY_KEY)
    subs.add(a, 'room', 'topic')
    subs.add(a, 'room', 'owner') // a fourth key, past the cap of 3
    expect(subs.of('room')?.get(a)).toBe(EVERY_KEY)
    expect(subs.entryCount).toBe(2)
  })

  it('is bounded in souls per peer and in entries; a leaving peer takes its entries with it', () => {
    const subs = createSubscriptions(2, 3)
    const a = peer('a')
    const b = peer('b')
    expect(subs.add(a, 's1', 'k')).toBe(true)
    expect(subs.add(a, 's2')).toBe(true)
    expect(subs.add(a, 's3')).toBe(false) // per-peer bound
    expect(subs.add(a, 's1', 'other')).toBe(true) // a soul it already has is no new entry
    expect(subs.add(b, 's1')).toBe(true)
    expect(subs.add(b, 's4')).toBe(false) // total bound
    subs.removePeer(a)
    expect(subs.entryCount).toBe(1)
    expect(subs.of('s2')).toBeUndefined()
    expect([...(subs.of('s1')?.keys() ?? [])]).toEqual([b])
  })
})
