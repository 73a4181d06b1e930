import { latin1, randomBytes, seaText, toBase64, toHex, utf8 } from './encoding.js'
import type { Pair } from './keys.js'

/** Options of `work`: the algorithm, iterations, output length and encoding. */
export interface WorkOptions {
  /** `PBKDF2` (default), or a digest (`SHA-256`, `SHA-1`, …): a plain hash of the data, no salt. */
  name?: string
  /** `base64` (default), `hex`, or `utf8` (one character per byte; old accounts). */
  encode?: 'base64' | 'hex' | 'utf8'
  iterations?: number
  /** Output bytes (default 64). */
  length?: number
  /** Overrides the salt argument. */
  salt?: string
}

/**
 * Stock SEA's `work`: PBKDF2-HMAC-SHA-256, 100 000 iterations, 64 bytes, of
 * `data` (text, or JSON of anything else) with `salt` (a pair's `epub`, a
 * text; random when absent), or with `name: 'SHA-256'` a plain SHA-256.
 */
export async function work(data: unknown, salt?: string | Pick<Pair, 'epub'> | null, options: WorkOptions = {}): Promise<string> {
  const text = seaText(data)
  const encode = (bytes: Uint8Array) => (options.encode === 'hex' ? toHex(bytes) : options.encode === 'utf8' ? latin1(bytes) : toBase64(bytes))
  const name = options.name ?? 'PBKDF2'
  if (name.toLowerCase().startsWith('sha')) return encode(new Uint8Array(await globalThis.crypto.subtle.digest(name, utf8(text))))
  const saltText = options.salt ?? (salt !== null && typeof salt === 'object' ? salt.epub : salt) ?? latin1(randomBytes(9))
  const key = await globalThis.crypto.subtle.importKey('raw', utf8(text), 'PBKDF2', false, ['deriveBits'])
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: 'PBKDF2', iterations: options.iterations ?? 100_000, salt: utf8(saltText), hash: 'SHA-256' },
    key,
    (options.length ?? 64) * 8,
  )
  return encode(new Uint8Array(bits))
}
