import { fromBase64, fromUtf8, latin1, parseSea, randomBytes, seaText, toBase64, toBase64Url, utf8 } from './encoding.js'
import { ecdhPrivateKey, ecdhPublicKey, isPublicKey, type Pair } from './keys.js'

/** An encrypted message: AES-256-GCM ciphertext with its tag, a 15-byte IV and a 9-byte salt, each base64. */
export interface Encrypted {
  ct: string
  iv: string
  s: string
}

/** A key for encrypt/decrypt: a pair (its `epriv` is used), or any text (a passphrase, a `secret`). */
export type CipherKey = string | Pick<Pair, 'epriv'>

const textOf = (key: CipherKey): string => (typeof key === 'string' ? key : key.epriv)

/**
 * Stock SEA's AES key: SHA-256 of the key text followed by the salt bytes
 * read one character per byte, UTF-8 encoded.
 */
async function aesKey(key: string, salt: Uint8Array): Promise<CryptoKey> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', utf8(key + latin1(salt)))
  return globalThis.crypto.subtle.importKey('raw', digest, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
}

/** Encrypt `data` (a string as it is, anything else as JSON): `SEA{"ct":…,"iv":…,"s":…}`, or the object with `raw`. */
export async function encrypt(data: unknown, key: CipherKey, options: { raw?: boolean } = {}): Promise<string | Encrypted> {
  if (data === undefined) throw new Error('`undefined` not allowed.')
  const text = textOf(key)
  if (typeof text !== 'string' || text === '') throw new Error('No encryption key.')
  const salt = randomBytes(9)
  const iv = randomBytes(15)
  const ct = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await aesKey(text, salt), utf8(seaText(data)))
  const out: Encrypted = { ct: toBase64(ct), iv: toBase64(iv), s: toBase64(salt) }
  return options.raw ? out : `SEA${JSON.stringify(out)}`
}

function isEncrypted(value: unknown): value is Encrypted {
  if (value === null || typeof value !== 'object') return false
  const v = value as Encrypted
  return typeof v.ct === 'string' && typeof v.iv === 'string' && typeof v.s === 'string'
}

/**
 * The data of an encrypted message (JSON text comes back as the value it
 * encodes), or undefined when the key is wrong or the message was changed.
 * Messages from SEA before 2020 stored their fields as text; those decrypt too.
 */
export async function decrypt(data: unknown, key: CipherKey): Promise<unknown> {
  const text = textOf(key)
  if (typeof text !== 'string' || text === '') throw new Error('No decryption key.')
  const json = parseSea(data)
  if (!isEncrypted(json)) return undefined
  for (const read of [fromBase64, lowBytes]) {
    let salt: Uint8Array<ArrayBuffer>
    let iv: Uint8Array<ArrayBuffer>
    let ct: Uint8Array<ArrayBuffer>
    try {
      salt = read(json.s)
      iv = read(json.iv)
      ct = read(json.ct)
    } catch {
      continue
    }
    try {
      const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv, tagLength: 128 }, await aesKey(text, salt), ct)
      return parseSea(fromUtf8(plain))
    } catch {
      // wrong key, changed message, or the older text form: try the next reading
    }
  }
  return undefined
}

function lowBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}

/**
 * A secret two users share without sending it: ECDH of their public key and
 * our pair, as a 43-character base64url text (the same on both sides). Use
 * it as the key of `encrypt`/`decrypt`.
 */
export async function secret(their: string | Pick<Pair, 'epub'>, mine: Pick<Pair, 'epub' | 'epriv'>): Promise<string> {
  const epub = typeof their === 'string' ? their : their.epub
  if (!isPublicKey(epub)) throw new Error('No secret mix.')
  if (!isPublicKey(mine?.epub) || typeof mine.epriv !== 'string') throw new Error('No secret mix.')
  const bits = await globalThis.crypto.subtle.deriveBits({ name: 'ECDH', public: await ecdhPublicKey(epub) }, await ecdhPrivateKey(mine.epub, mine.epriv), 256)
  return toBase64Url(bits)
}
