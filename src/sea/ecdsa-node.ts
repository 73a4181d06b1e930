import { hash, KeyObject, sign, verify } from 'node:crypto'
import type { Ecdsa } from './ecdsa.js'

/**
 * SEA's primitives on Node's crypto, for Node's entry points (gun.node.ts, index.node.ts, the relay,
 * sea/index.node.ts). Measured on a 2-vCPU VM against WebCrypto (BENCHMARKS.md, "signed puts through a
 * relay"): a signature ~28 µs of CPU instead of ~45, a verification ~83 instead of ~95, SHA-256 of a
 * signed value ~1.2 µs instead of ~4 (@noble/hashes).
 *
 * - Signing is synchronous: 28 µs on the caller's thread costs less than handing the job to the thread
 *   pool and back (a wake-up of a pool thread, a completion callback, ~17 µs), and a client signs its
 *   own writes only.
 * - Verifying stays asynchronous (the thread pool): a relay checks every peer's signatures and must not
 *   hold its event loop for them.
 */
const keyObjects = new WeakMap<CryptoKey, KeyObject>()

// Bounded by keys.ts's caches of imported keys: an entry goes when its CryptoKey does.
function keyObject(key: CryptoKey): KeyObject {
  let object = keyObjects.get(key)
  if (object === undefined) keyObjects.set(key, (object = KeyObject.from(key)))
  return object
}

const P1363 = 'ieee-p1363' as const

export const nodeEcdsa: Ecdsa = {
  sha256: (text) => hash('sha256', text, 'buffer') as Uint8Array<ArrayBuffer>,
  sign: (key, digest) => sign('sha256', digest, { key: keyObject(key), dsaEncoding: P1363 }),
  verify: (key, signature, digest) =>
    new Promise((resolve) => {
      try {
        verify('sha256', digest, { key: keyObject(key), dsaEncoding: P1363 }, signature, (error, ok) => resolve(error === null && ok))
      } catch {
        // A malformed signature (a legacy one stored as text has any length): not this key's, as WebCrypto answers.
        resolve(false)
      }
    }),
}
