/**
 * Exponential backoff with jitter for reconnects: 250 ms, 500 ms, 1 s, …
 * capped at 30 s, each delay randomly shortened by up to `jitter` so a
 * thousand clients of a restarted relay do not all come back at once.
 */
export interface Backoff {
  next(): number
  reset(): void
  readonly attempts: number
}

export interface BackoffOptions {
  initialMs?: number
  maxMs?: number
  factor?: number
  /** Fraction of each delay that is randomised away (0 = none, 1 = full jitter). */
  jitter?: number
  random?: () => number
}

export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initial = options.initialMs ?? 250
  const max = options.maxMs ?? 30_000
  const factor = options.factor ?? 2
  const jitter = options.jitter ?? 0.5
  const random = options.random ?? Math.random
  let attempts = 0
  return {
    next() {
      const base = Math.min(max, initial * factor ** attempts)
      attempts++
      return Math.round(base * (1 - jitter * random()))
    },
    reset() {
      attempts = 0
    },
    get attempts() {
      return attempts
    },
  }
}
