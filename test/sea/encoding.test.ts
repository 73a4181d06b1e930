import { describe, expect, it } from 'vitest'
import { fromBase64, toBase64 } from '../../src/sea/encoding.js'

// Seeded bytes (a small LCG), so a failure names the seed and replays.
function bytesOf(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

describe('base64', () => {
  it("encodes as Node's Buffer does, at every length up to and past the short-input path", () => {
    const seed = 20261201
    for (const length of [...Array.from({ length: 100 }, (_, i) => i), 1023, 1024, 1025, 5000]) {
      const bytes = bytesOf(length, seed + length)
      const text = toBase64(bytes)
      expect(text, `length ${length}, seed ${seed + length}`).toBe(Buffer.from(bytes).toString('base64'))
      expect([...fromBase64(text)]).toEqual([...bytes])
      expect(toBase64(bytes.buffer as ArrayBuffer)).toBe(text)
    }
  })
})
