import { describe, expect, it } from 'vitest'
import { createClock } from '../../src/core/clock.js'

describe('state clock', () => {
  it('is milliseconds plus a fractional counter within one millisecond', () => {
    const clock = createClock(() => 1000)
    expect(clock.next()).toBe(1000)
    expect(clock.next()).toBeCloseTo(1000 + 1 / 999, 9)
    expect(clock.next()).toBeCloseTo(1000 + 2 / 999, 9)
  })

  it('resets the counter once wall time overtakes the last state', () => {
    let now = 1000
    const clock = createClock(() => now)
    clock.next()
    clock.next()
    now = 1005
    expect(clock.next()).toBe(1005)
  })

  it('is strictly increasing, even through a burst past the next millisecond and a wall clock stepping back', () => {
    let now = 5000
    const clock = createClock(() => now)
    let last = -Infinity
    for (let i = 0; i < 3000; i++) {
      if (i === 1500) now = 4000 // NTP steps the clock back
      const state = clock.next()
      expect(state).toBeGreaterThan(last)
      last = state
    }
  })

  it('now() does not advance and never lags a burst', () => {
    const clock = createClock(() => 1000)
    for (let i = 0; i < 2000; i++) clock.next()
    const before = clock.now()
    expect(before).toBeGreaterThan(1001)
    expect(clock.now()).toBe(before)
    expect(clock.next()).toBeGreaterThan(before)
  })

  it('now() is the end of the current millisecond: a peer in step may have stamped any state of it', () => {
    let wall = 1000
    const clock = createClock(() => wall)
    const peer = createClock(() => wall)
    peer.next()
    peer.next()
    const third = peer.next()
    expect(third).toBeGreaterThan(1000)
    expect(third).toBeLessThanOrEqual(clock.now())
    expect(clock.now()).toBeLessThan(1001)
    wall = 1001
    expect(clock.now()).toBeGreaterThanOrEqual(1001)
  })
})
