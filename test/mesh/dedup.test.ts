import { describe, expect, it } from 'vitest'
import { createBoundedMap } from '../../src/mesh/bounded-map.js'
import { createDedup } from '../../src/mesh/dedup.js'

describe('dedup table', () => {
  it('remembers ids for 9 s since the last touch', () => {
    let now = 0
    const dedup = createDedup(100, 9000, () => now)
    dedup.track('a')
    now = 8000
    expect(dedup.check('a')).toBe(true) // refreshes
    now = 16000
    expect(dedup.check('a')).toBe(true)
    now = 26000
    expect(dedup.check('a')).toBe(false)
  })
  it('is bounded in size: a flood of unique ids evicts the oldest', () => {
    const dedup = createDedup(1000)
    for (let i = 0; i < 100_000; i++) dedup.track(`id${i}`)
    expect(dedup.size).toBe(1000)
    expect(dedup.check('id0')).toBe(false)
    expect(dedup.check('id99999')).toBe(true)
  })
  it('forgets ids older than 9 s by itself, from the oldest, as new ones come in', () => {
    let now = 1_000_000
    const dedup = createDedup(100, 9000, () => now)
    for (let i = 0; i < 10; i++) dedup.track(`old${i}`)
    now += 5000
    dedup.track('mid')
    now += 5000 // the first ten are 10 s old, `mid` 5 s
    dedup.track('new')
    expect(dedup.size).toBe(2)
    expect(dedup.check('mid')).toBe(true)
    dedup.forget('mid')
    expect(dedup.check('mid')).toBe(false)
  })
  it('bounded map evicts by age from the front and reports evictions', () => {
    let now = 0
    const evicted: string[] = []
    const map = createBoundedMap<number>({ max: 10, ageMs: 100, now: () => now, onEvict: (k) => evicted.push(k) })
    map.set('a', 1)
    now = 50
    map.set('b', 2)
    now = 120
    map.set('c', 3)
    expect(evicted).toEqual(['a'])
    expect([...map.keys()]).toEqual(['b', 'c'])
  })
})
