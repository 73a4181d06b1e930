/** A small seeded PRNG (mulberry32): same seed, same sequence, in every runtime. */
export interface Prng {
  /** The seed this sequence started from. */
  readonly seed: number
  /** The next number in [0, 1). */
  next(): number
  /** An integer in [0, below). */
  int(below: number): number
  /** True with the given probability. */
  chance(probability: number): boolean
}

/** A {@link Prng} from `seed` (taken as an unsigned 32-bit integer). */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    seed,
    next,
    int: (below) => Math.floor(next() * below),
    chance: (probability) => next() < probability,
  }
}

/** The seed to use: `TRELLIS_SEED` from the environment when set, else a fresh one (print it to replay). */
export function pickSeed(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.TRELLIS_SEED
  if (env !== undefined && env !== '' && Number.isFinite(Number(env))) return Number(env) >>> 0
  return Math.floor(Math.random() * 2 ** 32)
}
