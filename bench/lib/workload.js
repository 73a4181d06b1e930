// The records every scenario writes and the Gun-chain calls it makes, shared
// so that Trellis, stock Gun and the ceilings run literally the same work.
import { performance } from 'node:perf_hooks'

export const now = () => performance.now()

/** Soul of the k-th record; `prefix` keeps separate phases (warm-up) apart. */
export const soulOf = (k, prefix = 'n') => `${prefix}${k}`

/** A small node of three properties. */
export const recordOf = (k) => ({ a: k, b: `x${k}`, c: true })

export function isRecord(data, k) {
  return data != null && data.a === k && data.b === `x${k}` && data.c === true
}

/**
 * Put with an ack: resolves with the first ack (stock Gun may ack a put more
 * than once) or with `{ err: 'no ack' }` after `timeoutMs`.
 */
export function putAck(db, soul, data, timeoutMs = 30_000) {
  return new Promise((resolve) => {
    let done = false
    const timer = setTimeout(() => finish({ err: `no ack within ${timeoutMs} ms` }), timeoutMs)
    const finish = (ack) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(ack ?? {})
    }
    db.get(soul).put(data, finish)
  })
}

/** Read a node once; resolves with its data, or `undefined` when missing or after `timeoutMs`. */
export function readOnce(db, soul, timeoutMs = 30_000) {
  return new Promise((resolve) => {
    let done = false
    const timer = setTimeout(() => finish(undefined), timeoutMs)
    const finish = (data) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(data)
    }
    db.get(soul).once(finish)
  })
}

/**
 * Run `op(k)` for k in [0, n) with at most `width` operations in flight: the
 * shape of a busy app, and the same pressure on every implementation.
 * Resolves with how many returned a truthy value.
 */
export function windowed(n, width, op) {
  return new Promise((resolve, reject) => {
    let next = 0
    let finished = 0
    let good = 0
    const start = () => {
      while (next < n && next - finished < width) {
        const k = next++
        op(k).then((ok) => {
          if (ok) good++
          if (++finished === n) resolve(good)
          else start()
        }, reject)
      }
    }
    if (n === 0) resolve(0)
    else start()
  })
}

/**
 * Read records 0..n-1 through `once`, at most `width` in flight, callback
 * style: no promise and no timer per read, so the harness costs far less
 * than either database's read and the figure is the database's. One
 * deadline for the whole phase stands in for a per-read timeout (stock
 * Gun's `once` may never fire): reads still out when it passes count as
 * failed. Resolves with how many reads passed `check(data, k)`.
 */
export function readWindowed(db, n, width, soulFor, check, timeoutMs = 300_000) {
  return new Promise((resolve) => {
    let next = 0
    let finished = 0
    let good = 0
    let over = false
    let starting = false
    const end = () => {
      over = true
      clearTimeout(timer)
      resolve(good)
    }
    const timer = setTimeout(end, timeoutMs)
    const start = () => {
      // A `once` may answer synchronously; the loop below picks that up instead of recursing.
      if (starting) return
      starting = true
      while (!over && next < n && next - finished < width) {
        const k = next++
        let answered = false
        db.get(soulFor(k)).once((data) => {
          if (answered || over) return
          answered = true
          if (check(data, k)) good++
          if (++finished === n) end()
          else start()
        })
      }
      starting = false
    }
    if (n === 0) end()
    else start()
  })
}

/** Wait until `predicate()` holds, polling; false when `timeoutMs` passes first. */
export async function until(predicate, timeoutMs, pollMs = 2) {
  const deadline = now() + timeoutMs
  while (!predicate()) {
    if (now() > deadline) return false
    await sleep(pollMs)
  }
  return true
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** A correctness check as reported in the results: a failure is shown, never dropped. */
export const check = (name, ok, detail = '') => ({ name, ok: Boolean(ok), detail })

/** Counts as a check line: "expected n, got m". */
export const countCheck = (name, got, expected) => check(name, got === expected, `${got}/${expected}`)
