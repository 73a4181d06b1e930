/**
 * Message and peer ids: 9 characters from Gun's alphabet (0-9, A-Z without
 * `Y`, a-z), as stock Gun generates them. Random rather than counted, so a
 * hostile peer cannot predict our next ids and poison dedup tables with them.
 * One generator for core and mesh (core/random.ts), from `crypto.getRandomValues`.
 */
export { randomId } from '../core/random.js'
