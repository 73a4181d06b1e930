/**
 * Message and peer ids: 9 characters from Gun's alphabet (0-9, A-Z without
 * `Y`, a-z), as stock Gun generates them. Random rather than counted, so a
 * hostile peer cannot predict our next ids and poison dedup tables with them.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXZabcdefghijklmnopqrstuvwxyz'
const POOL_SIZE = 4096

// reason: one getRandomValues call per 4 KiB of randomness keeps id generation off the hot path's profile.
const pool = new Uint8Array(POOL_SIZE)
let cursor = POOL_SIZE

function refill(): void {
  globalThis.crypto.getRandomValues(pool)
  cursor = 0
}

/** A random id of `length` characters from Gun's alphabet (61 symbols; bytes ≥ 244 are skipped to avoid bias). */
export function randomId(length = 9): string {
  let out = ''
  while (out.length < length) {
    if (cursor >= POOL_SIZE) refill()
    const byte = pool[cursor++]
    if (byte < 244) out += ALPHABET[byte % 61]
  }
  return out
}
