import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js'
import { utf8 } from './encoding.js'

/**
 * The three primitives under SEA's signatures: SHA-256 of the signed text, and ECDSA P-256 over that
 * digest (ECDSA hashes it once more, so a signature covers SHA-256(SHA-256(text))). Keys are the
 * WebCrypto keys keys.ts imports and caches. WebCrypto everywhere by default; Node's entry points
 * install Node's own crypto instead (ecdsa-node.ts): the same OpenSSL arithmetic without WebCrypto's
 * argument checks and thread-pool round trip per call, which on a relay cost ~20 µs a signature.
 */
export interface Ecdsa {
  /** SHA-256 of text's UTF-8. */
  sha256(text: string): Uint8Array<ArrayBuffer>
  /** The P1363 signature (r‖s, 64 bytes) of `digest`. */
  sign(key: CryptoKey, digest: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer | Uint8Array> | Uint8Array
  /**
   * Whether `signature` is `key`'s over `digest` (false for a malformed one). `source`: who the check is
   * for (the peer whose put it is), for a verifier that serves its sources in turn (verify-threads.ts).
   */
  verify(key: CryptoKey, signature: Uint8Array<ArrayBuffer>, digest: Uint8Array<ArrayBuffer>, source?: object): Promise<boolean>
}

const ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const

/**
 * WebCrypto's ECDSA. The digest is computed in process (@noble/hashes, ~1 µs for a signed value):
 * WebCrypto's digest is asynchronous, a thread-pool round trip per signature for a few hundred bytes.
 */
const webCrypto: Ecdsa = {
  sha256: (text) => nobleSha256(utf8(text)) as Uint8Array<ArrayBuffer>,
  sign: (key, digest) => globalThis.crypto.subtle.sign(ALGORITHM, key, digest),
  verify: (key, signature, digest) => globalThis.crypto.subtle.verify(ALGORITHM, key, signature, digest),
}

let current: Ecdsa = webCrypto

/** The primitives in use. */
export function ecdsa(): Ecdsa {
  return current
}

/** Use `next` for every signature from now on (Node's entry points pass ecdsa-node.ts's). */
export function useEcdsa(next: Ecdsa): void {
  current = next
}
