/**
 * SHA-256 (FIPS 180-4) of bytes, computed in process: SEA hashes every message it signs or
 * verifies, and WebCrypto's digest is asynchronous, a thread-pool round trip per signature of a
 * few hundred bytes. Written for size as much as speed (it ships in the script-tag build): one
 * reusable schedule array, no unrolling. Checked against node:crypto in test/sea/sha256.test.ts.
 */

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array(64)
/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const H0 = new Int32Array(8)
{
  // Derived rather than listed: 64 + 8 constants are 600 bytes of digits a bundle would carry.
  const frac = (x: number) => ((x - Math.floor(x)) * 2 ** 32) >>> 0
  let found = 0
  for (let n = 2; found < 64; n++) {
    let prime = true
    for (let d = 2; d * d <= n; d++) if (n % d === 0) prime = false
    if (!prime) continue
    if (found < 8) H0[found] = frac(Math.sqrt(n))
    K[found++] = frac(Math.cbrt(n))
  }
}
const W = new Int32Array(64)

export function sha256Bytes(data: Uint8Array): Uint8Array<ArrayBuffer> {
  // Message, the 0x80 byte, zeros, then the length in bits as a big-endian 64-bit number.
  const blocks = Math.ceil((data.length + 9) / 64)
  const padded = new Uint8Array(blocks * 64)
  padded.set(data)
  padded[data.length] = 0x80
  // The length in bits, big-endian; inputs here are far below 2^32 bytes, so five bytes hold it.
  for (let bits = data.length * 8, i = padded.length - 1; bits > 0; bits = Math.floor(bits / 256), i--) padded[i] = bits % 256
  const h = H0.slice()
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let t = 0, i = offset; t < 16; t++, i += 4) W[t] = (padded[i] << 24) | (padded[i + 1] << 16) | (padded[i + 2] << 8) | padded[i + 3]
    for (let t = 16; t < 64; t++) {
      const w15 = W[t - 15]
      const w2 = W[t - 2]
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0
    }
    let a = h[0]
    let b = h[1]
    let c = h[2]
    let d = h[3]
    let e = h[4]
    let f = h[5]
    let g = h[6]
    let k = h[7]
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      k = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h[0] += a
    h[1] += b
    h[2] += c
    h[3] += d
    h[4] += e
    h[5] += f
    h[6] += g
    h[7] += k
  }
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = h[i >> 2] >>> (24 - (i & 3) * 8)
  return out
}
