import { ecdsa } from './ecdsa.js'
import { fromBase64, parseSea, seaText, toBase64 } from './encoding.js'
import { isPublicKey, type Pair, signKey, verifyKey } from './keys.js'

/** A signed message: the data `m` as signed, and `s`, the P1363 signature (r‖s, 64 bytes) in base64. */
export interface Signed {
  m: unknown
  s: string
}

/** SHA-256 of text's UTF-8: what SEA signs (ECDSA then hashes it once more, so a signature covers SHA-256(SHA-256(text))). */
export function sha256(text: string): Uint8Array<ArrayBuffer> {
  return ecdsa().sha256(text)
}

function isSigned(value: unknown): value is Signed {
  return value !== null && typeof value === 'object' && typeof (value as Signed).s === 'string' && (value as Signed).m !== undefined
}

/**
 * Sign `data` as stock SEA does: a JSON string is signed as the value it
 * encodes, and data already signed by this pair is returned as it is.
 * Returns `SEA{"m":…,"s":…}`, or the `{ m, s }` object with `raw`.
 */
export async function sign(data: unknown, pair: Pick<Pair, 'pub' | 'priv'>, options: { raw?: boolean } = {}): Promise<string | Signed> {
  if (data === undefined) throw new Error('`undefined` not allowed.')
  const json = parseSea(data)
  if (isSigned(json) && (await verify(json, pair.pub)) !== undefined) return options.raw ? json : `SEA${JSON.stringify(json)}`
  const signed: Signed = { m: json, s: await signatureOf(await signKey(pair), json) }
  return options.raw ? signed : `SEA${JSON.stringify(signed)}`
}

/**
 * The signature (base64) of one message with an imported signing key: SEA's `s`. Synchronous when
 * the primitives are (Node's): a signer of many values pays no promise per value.
 */
export function signatureOf(key: CryptoKey, message: unknown): string | Promise<string> {
  const signature = ecdsa().sign(key, sha256(seaText(message)))
  // A thenable, not `instanceof Promise`: a promise from another realm (a polyfill, a vm-based test pool) would
  // otherwise be encoded as bytes, an empty signature.
  return isThenable(signature) ? Promise.resolve(signature).then(toBase64) : toBase64(signature)
}

/**
 * The data of a signed message if `pub` signed it, else undefined. With
 * `false` instead of a key, the data unchecked. Signatures made by SEA
 * before 2020 (another digest, signatures stored as text) verify too, as
 * they do in stock SEA, so old accounts still log in; `legacy: false` skips
 * those two extra checks (the relay does, for states after 2019).
 */
export async function verify(data: unknown, pub: string | Pick<Pair, 'pub'> | false, options: { legacy?: boolean; source?: object } = {}): Promise<unknown> {
  const json = parseSea(data)
  if (pub === false) return isSigned(json) ? parseSea(json.m) : undefined
  const key = typeof pub === 'string' ? pub : pub?.pub
  if (!isSigned(json) || !isPublicKey(key)) return undefined
  let cryptoKey: CryptoKey
  try {
    cryptoKey = await verifyKey(key)
  } catch {
    return undefined
  }
  const source = options.source
  if (await check(cryptoKey, json.s, seaText(json.m), false, source)) return parseSea(json.m)
  if (options.legacy === false) return undefined
  // Before 2020: the digest of the message's text as parsed, and signatures possibly stored as text.
  const legacy = String(parseSea(json.m))
  if ((await check(cryptoKey, json.s, legacy, false, source)) || (await check(cryptoKey, json.s, legacy, true, source))) return parseSea(json.m)
  return undefined
}

async function check(key: CryptoKey, signature: string, text: string, signatureAsText: boolean, source: object | undefined): Promise<boolean> {
  let bytes: Uint8Array<ArrayBuffer>
  try {
    bytes = signatureAsText ? lowBytes(signature) : fromBase64(signature)
  } catch {
    return false
  }
  if (!signatureAsText && bytes.length !== 64) return false
  return ecdsa().verify(key, bytes, sha256(text), source)
}

/** Stock SEA's "utf8" reading of a signature stored as text: one byte per character, its low eight bits. */
function lowBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function'
}
