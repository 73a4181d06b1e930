/**
 * Byte and text encodings SEA's formats use, on WebCrypto's `Uint8Array`s
 * (no `Buffer`: the same code runs in browsers). Standard base64 with `=`
 * padding for signatures, ciphertexts and work; base64url without padding
 * for keys (JWK coordinates).
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>
}

export function fromUtf8(bytes: ArrayBuffer | Uint8Array): string {
  return decoder.decode(bytes)
}

/** One character per byte (code points 0–255), as stock SEA turns random salt bytes into text. */
export function latin1(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 0x2000) out += String.fromCharCode(...bytes.subarray(i, i + 0x2000))
  return out
}

export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(latin1(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)))
}

/** Standard base64 (padding optional) to bytes; throws on anything else. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text)
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Two hex digits per byte, lower case. */
export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0')
  return out
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return globalThis.crypto.getRandomValues(new Uint8Array(length))
}

/**
 * Stock SEA's reading of its inputs: a `SEA{...}` envelope or any JSON text
 * is parsed; a string that is not JSON stays a string; anything else is
 * taken as it is.
 */
export function parseSea(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const text = value.startsWith('SEA{') ? value.slice(3) : value
  try {
    return JSON.parse(text)
  } catch {
    return value
  }
}

/** The text SEA hashes, signs and encrypts: a string as it is, anything else as JSON. */
export function seaText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}
