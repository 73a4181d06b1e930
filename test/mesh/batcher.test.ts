import { describe, expect, it } from 'vitest'
import { createBatcher } from '../../src/mesh/batcher.js'
import { createBackoff } from '../../src/transport/backoff.js'
import { parseHints, formatHints } from '../../src/mesh/hints.js'
import { randomId } from '../../src/mesh/ids.js'
import { TokenBucket } from '../../src/mesh/rate.js'

describe('sender-side batching', () => {
  it('sends the first message at once and joins the rest of the turn into one array frame', async () => {
    const frames: string[] = []
    const batcher = createBatcher((f) => frames.push(f))
    batcher.push('{"a":1}')
    batcher.push('{"b":2}')
    batcher.push('{"c":3}')
    expect(frames).toEqual(['{"a":1}'])
    await new Promise((r) => setImmediate(r))
    expect(frames[1]).toBe('[{"b":2},{"c":3}]')
  })
  it('flushes early past the pack size', () => {
    const frames: string[] = []
    const batcher = createBatcher((f) => frames.push(f), 20)
    for (let i = 0; i < 10; i++) batcher.push(`{"i":${i}}`)
    expect(frames.length).toBeGreaterThan(2)
    for (const f of frames) expect(() => JSON.parse(f)).not.toThrow()
  })
})

describe('small pieces', () => {
  it('backoff grows exponentially with jitter, capped, and resets', () => {
    const b = createBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.5, random: () => 0 })
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000])
    b.reset()
    expect(b.next()).toBe(100)
    const j = createBackoff({ initialMs: 100, jitter: 0.5, random: () => 1 })
    expect(j.next()).toBe(50)
  })
  it("ids are 9 chars from Gun's alphabet (no Y)", () => {
    for (let i = 0; i < 1000; i++) expect(randomId()).toMatch(/^[0-9A-XZa-z]{9}$/)
  })
  it('>< hints: first 99 chars, comma separated; sent only for 2+ peers', () => {
    expect([...(parseHints('a,b,c') ?? [])]).toEqual(['a', 'b', 'c'])
    expect(parseHints(5)).toBeUndefined()
    expect(formatHints(['x'])).toBeUndefined()
    expect(formatHints(['1', '2', '3', '4', '5', '6', '7', '8'])).toBe('1,2,3,4,5,6,7')
  })
  it('token bucket refills over time', () => {
    let now = 0
    const bucket = new TokenBucket(10, 2, () => now)
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false])
    now = 100
    expect(bucket.take()).toBe(true)
  })
})
