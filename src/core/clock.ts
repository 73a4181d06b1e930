/**
 * Gun's state clock: milliseconds since the epoch plus a fractional counter,
 * strictly increasing within a process. Many calls inside one millisecond
 * give t + 1/999, t + 2/999, ...; the counter resets only once wall time
 * overtakes the last state, so a burst may run ahead of the wall clock.
 */
export interface StateClock {
  /** A fresh state, greater than every state this clock returned before. */
  next(): number
  /**
   * The machine's present, for HAM's "is this state from the future?": the
   * latest state a clock in step with ours could have stamped so far — the
   * last one of the current millisecond — or our own last state if a burst
   * ran ahead. Does not advance.
   */
  now(): number
}

const COUNTER_DIVISOR = 999
/** The fraction of the last state a clock stamps inside one millisecond before it runs ahead. */
const LAST_IN_MILLISECOND = (COUNTER_DIVISOR - 1) / COUNTER_DIVISOR

/** A state clock on `wallTime` (default `Date.now`), shifted by `drift` ms (tests simulate skewed peers with it). */
export function createClock(wallTime: () => number = Date.now, drift = 0): StateClock {
  let last = -Infinity
  let counter = 0
  return {
    next() {
      const t = wallTime()
      let state: number
      if (last < t) {
        counter = 0
        state = t + drift
      } else {
        counter += 1
        state = t + counter / COUNTER_DIVISOR + drift
      }
      // Wall clocks step backwards (NTP); states must not.
      last = state > last ? state : last + 1 / COUNTER_DIVISOR
      return last
    },
    now() {
      // Date.now() is the millisecond we are in, not the instant: a peer whose clock is in step
      // with ours may already have stamped t + N/999 in it. Treating that as future would hold
      // its write (and a relay's push of it) for a 1 ms timer: the latency tail of a busy writer.
      const t = wallTime() + drift + LAST_IN_MILLISECOND
      return Math.max(t, last)
    },
  }
}
