/** Gun's alphabet for ids and souls: 0-9, A-Z without Y, a-z. */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXZabcdefghijklmnopqrstuvwxyz'

/** A random soul as Gun makes them: base 36 of the state without its dot, then 12 random characters. */
export function randomSoul(state: number): string {
  return state.toString(36).replace('.', '') + randomId(12)
}

/** A random list key for `set(primitive)`: base 36 of the state without its dot, then 7 random characters. */
export function randomKey(state: number): string {
  return state.toString(36).replace('.', '') + randomId(7)
}

const ID_ALPHABET_SIZE = 61
const POOL_SIZE = 4096
// reason: one getRandomValues call per 4 KiB of randomness keeps id generation off the hot path's profile.
const pool = new Uint8Array(POOL_SIZE)
let cursor = POOL_SIZE

/**
 * A random id of `length` characters from Gun's alphabet, as stock Gun makes
 * its message ids (9 characters): unpredictable, so no peer can guess our
 * next ids and poison dedup tables or answer requests it never saw. Bytes
 * 244 and above are skipped, so every character is equally likely.
 */
export function randomId(length = 9): string {
  let out = ''
  while (out.length < length) {
    if (cursor >= POOL_SIZE) {
      globalThis.crypto.getRandomValues(pool)
      cursor = 0
    }
    const byte = pool[cursor++]
    if (byte < 244) out += ALPHABET[byte % ID_ALPHABET_SIZE]
  }
  return out
}

/**
 * Message ids for local writes: random every time (a prefix and a counter
 * would let anyone who saw one id predict the next; issue 11, finding 14).
 */
export function createIdSource(): () => string {
  return () => randomId(9)
}
