/** Gun's alphabet for ids and souls: 0-9, A-Z without Y, a-z. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXZabcdefghijklmnopqrstuvwxyz'

/** `length` random characters of Gun's alphabet (WebCrypto randomness, available in Node 20 and browsers). */
export function randomText(length: number): string {
  const bytes = new Uint8Array(length)
  globalThis.crypto.getRandomValues(bytes)
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length]
  return out
}

/** A random soul as Gun makes them: base 36 of the state without its dot, then 12 random characters. */
export function randomSoul(state: number): string {
  return state.toString(36).replace('.', '') + randomText(12)
}

/** A random list key for `set(primitive)`: base 36 of the state without its dot, then 7 random characters. */
export function randomKey(state: number): string {
  return state.toString(36).replace('.', '') + randomText(7)
}

/**
 * A message id generator: a random prefix per generator and a counter, so
 * ids are unique across the mesh without paying for randomness per message
 * (Gun uses 9 random characters; any string is accepted on the wire).
 */
export function createIdSource(): () => string {
  const prefix = randomText(9)
  let counter = 0
  return () => prefix + (counter++).toString(36)
}
