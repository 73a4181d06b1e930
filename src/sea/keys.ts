/** A SEA key pair: ECDSA P-256 for signing (`pub`, `priv`) and ECDH P-256 for secrets (`epub`, `epriv`). */
export interface Pair {
  /** Public signing key, `x.y` (the JWK coordinates, base64url): a user's id. */
  pub: string
  /** Private signing key (the JWK `d`). */
  priv: string
  /** Public key for `secret` (ECDH), `x.y`. */
  epub: string
  /** Private key for `secret`. */
  epriv: string
}

const subtle = () => globalThis.crypto.subtle
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const

/** A P-256 coordinate or scalar: 32 bytes, 43 base64url characters. */
const PART = /^[A-Za-z0-9_-]{43}$/

/** True for a well-formed `x.y` public key (checked before any import, so junk never reaches WebCrypto). */
export function isPublicKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 87 || value[43] !== '.') return false
  return PART.test(value.slice(0, 43)) && PART.test(value.slice(44))
}

function jwk(pub: string, priv?: string): JsonWebKey {
  const [x, y] = pub.split('.')
  const key: JsonWebKey = { kty: 'EC', crv: 'P-256', x, y, ext: true }
  if (priv !== undefined) key.d = priv
  return key
}

/** New random keys. */
export async function createPair(): Promise<Pair> {
  const signing = await subtle().generateKey(ECDSA, true, ['sign', 'verify'])
  const mixing = await subtle().generateKey(ECDH, true, ['deriveBits'])
  const [sPriv, sPub, ePriv, ePub] = await Promise.all([
    subtle().exportKey('jwk', signing.privateKey),
    subtle().exportKey('jwk', signing.publicKey),
    subtle().exportKey('jwk', mixing.privateKey),
    subtle().exportKey('jwk', mixing.publicKey),
  ])
  return { pub: `${sPub.x}.${sPub.y}`, priv: sPriv.d as string, epub: `${ePub.x}.${ePub.y}`, epriv: ePriv.d as string }
}

/**
 * Imported verifying keys by pub. Importing costs about as much as a
 * verification, and a relay checks the same few thousand writers' keys over
 * and over; the cache is bounded by count, oldest dropped first.
 */
const verifyKeys = new Map<string, Promise<CryptoKey>>()
export const MAX_CACHED_KEYS = 10_000

export function verifyKey(pub: string): Promise<CryptoKey> {
  let key = verifyKeys.get(pub)
  if (key !== undefined) return key
  key = subtle().importKey('jwk', jwk(pub), ECDSA, false, ['verify'])
  if (verifyKeys.size >= MAX_CACHED_KEYS) verifyKeys.delete(verifyKeys.keys().next().value as string)
  verifyKeys.set(pub, key)
  // A key WebCrypto refuses is not kept: the next attempt fails the same way, at no cost to the cache.
  key.catch(() => verifyKeys.delete(pub))
  return key
}

/** How many imported keys are cached (for metrics). */
export function cachedKeyCount(): number {
  return verifyKeys.size
}

/** Imported signing keys, by pub and priv: a logged-in user signs every value it writes with one key. */
const signKeys = new Map<string, { imported: Promise<CryptoKey>; key?: CryptoKey }>()
const MAX_SIGN_KEYS = 64

const signKeyId = (pair: Pick<Pair, 'pub' | 'priv'>) => `${pair.pub}\u0000${pair.priv}`

export function signKey(pair: Pick<Pair, 'pub' | 'priv'>): Promise<CryptoKey> {
  const id = signKeyId(pair)
  const cached = signKeys.get(id)
  if (cached !== undefined) return cached.imported
  const entry: { imported: Promise<CryptoKey>; key?: CryptoKey } = { imported: subtle().importKey('jwk', jwk(pair.pub, pair.priv), ECDSA, false, ['sign']) }
  if (signKeys.size >= MAX_SIGN_KEYS) signKeys.delete(signKeys.keys().next().value as string)
  signKeys.set(id, entry)
  entry.imported.then(
    (key) => void (entry.key = key),
    () => signKeys.delete(id),
  )
  return entry.imported
}

/** The signing key if `signKey` has imported it already: a writer signing synchronously (Node) then waits for nothing. */
export function signKeyNow(pair: Pick<Pair, 'pub' | 'priv'>): CryptoKey | undefined {
  return signKeys.get(signKeyId(pair))?.key
}

export function ecdhPublicKey(epub: string): Promise<CryptoKey> {
  return subtle().importKey('jwk', jwk(epub), ECDH, true, [])
}

export function ecdhPrivateKey(epub: string, epriv: string): Promise<CryptoKey> {
  return subtle().importKey('jwk', jwk(epub, epriv), ECDH, false, ['deriveBits'])
}
