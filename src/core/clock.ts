/**
 * Gun's state clock: milliseconds since the epoch plus a fractional counter,
 * strictly increasing within a process. Many calls inside one millisecond
 * give t + 1/999, t + 2/999, ...; the counter resets only once wall time
 * overtakes the last state, so a burst may run ahead of the wall clock.
 */
export interface StateClock {
  /** A fresh state, greater than every state this clock returned before. */
  next(): number
  /** The machine's present: wall time, or the last state if a burst ran ahead. Does not advance. */
  now(): number
}

const COUNTER_DIVISOR = 999

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
      const t = wallTime() + drift
      return t > last ? t : last
    },
  }
}
