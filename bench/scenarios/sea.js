// SEA, side by side: signatures in process (sign/s, verify/s), a login
// (user.auth: PBKDF2 then decrypting the keys), and signed user-space puts
// acknowledged through a relay in another process. Stock Gun runs with
// `gun/sea` loaded on its browser build, as a SEA app uses it.
import { startRelayProcess } from '../lib/relay-process.js'
import { percentile, sorted } from '../lib/stats.js'
import { check, countCheck, now, putAck, windowed } from '../lib/workload.js'

const IN_FLIGHT = 64

/** sign/s over n distinct messages, then verify/s of them all, `IN_FLIGHT` at a time (as a relay checks a busy peer's keys). */
export async function signatures(impl, { n, warmup }) {
  const SEA = await impl.sea()
  const pair = await SEA.pair()
  const messages = Array.from({ length: n + warmup }, (_, k) => ({ '#': `~${pair.pub}`, '.': `k${k}`, ':': `value ${k}`, '>': 1_700_000_000_000 + k }))
  const signed = new Array(n + warmup)
  const sign = (from) => (k) =>
    SEA.sign(messages[from + k], pair).then((s) => {
      signed[from + k] = s
      return typeof s === 'string'
    })
  const verify = (from) => (k) => SEA.verify(signed[from + k], pair.pub).then((data) => data?.['.'] === `k${from + k}`)
  await windowed(warmup, IN_FLIGHT, sign(n))
  await windowed(warmup, IN_FLIGHT, verify(n))
  const t0 = now()
  const made = await windowed(n, IN_FLIGHT, sign(0))
  const signMs = now() - t0
  const t1 = now()
  const good = await windowed(n, IN_FLIGHT, verify(0))
  const verifyMs = now() - t1
  // A wrong key must not verify: the figure is of real checks.
  const other = await SEA.pair()
  const refused = (await SEA.verify(signed[0], other.pub)) === undefined
  return {
    metrics: { sign: (n / signMs) * 1000, verify: (n / verifyMs) * 1000 },
    checks: [countCheck('messages signed', made, n), countCheck('signatures verified', good, n), check('a wrong key is refused', refused)],
  }
}

/**
 * Milliseconds per login with alias and password (median of `logins`), through a relay: the account
 * was created by this client, so it is also in its memory. (Stock Gun needs a peer here: with none,
 * its `once` on the alias list never fires and the process exits with nothing to do.)
 */
export async function login(impl, { logins }) {
  await impl.sea()
  const relay = await startRelayProcess(impl.id)
  try {
    return await loginThrough(impl.client(relay.url), logins)
  } finally {
    await relay.close()
  }
}

async function loginThrough(db, logins) {
  const user = db.user()
  const alias = `bench${Math.random().toString(36).slice(2, 8)}`
  const created = await new Promise((resolve) => user.create(alias, 'a long password', resolve))
  const samples = []
  let failures = 0
  for (let i = 0; i < logins; i++) {
    user.leave()
    const t0 = now()
    const ack = await new Promise((resolve) => user.auth(alias, 'a long password', resolve))
    samples.push(now() - t0)
    if (ack.err) failures++
  }
  const wrong = await new Promise((resolve) => {
    user.leave()
    user.auth(alias, 'not the password', resolve)
  })
  return {
    metrics: { loginMs: percentile(sorted(samples), 50) },
    checks: [
      check('account created', !created.err, created.err),
      countCheck('logins', logins - failures, logins),
      check('a wrong password is refused', Boolean(wrong.err)),
    ],
  }
}

/** Signed puts into the user's own space, acknowledged through a relay, `window` in flight. */
export async function signedRelayPuts(impl, { n, warmup, window }) {
  await impl.sea()
  const relay = await startRelayProcess(impl.id)
  try {
    const db = impl.client(relay.url)
    const user = db.user()
    const alias = `bench${Math.random().toString(36).slice(2, 8)}`
    const created = await new Promise((resolve) => user.create(alias, 'a long password', resolve))
    const authed = await new Promise((resolve) => user.auth(alias, 'a long password', resolve))
    const errors = []
    const write = (count, prefix) =>
      // user.get(key) is a key of the user's own space, so putAck writes there, signed.
      windowed(count, window, (k) =>
        putAck(user, `${prefix}${k}`, `value ${k}`).then((ack) => {
          if (ack.err && errors.length < 3) errors.push(String(ack.err))
          return !ack.err
        }),
      )
    const warmed = await write(warmup, 'w')
    const t0 = now()
    const acked = await write(n, 'n')
    const ms = now() - t0
    return {
      metrics: { puts: (n / ms) * 1000 },
      checks: [
        check('logged in', !created.err && !authed.err, created.err ?? authed.err),
        countCheck('warm-up puts acknowledged', warmed, warmup),
        check('every signed put acknowledged without error', acked === n, `${acked}/${n}${errors.length ? `; ${errors.join('; ')}` : ''}`),
      ],
    }
  } finally {
    await relay.close()
  }
}
