import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sha256Bytes } from '../../src/sea/sha256.js'

const reference = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')

describe('sha256Bytes', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(hex(sha256Bytes(new Uint8Array()))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hex(sha256Bytes(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('matches node:crypto at every length around the block and padding edges', () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff)
      expect(hex(sha256Bytes(bytes)), `length ${length}`).toBe(reference(bytes))
    }
  })

  it('matches node:crypto on random inputs (seeded)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => hex(sha256Bytes(bytes)) === reference(bytes)),
      { numRuns: 300, seed: 1401 },
    )
  })
})
