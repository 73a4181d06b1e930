// Through a relay in another process, over real sockets on 127.0.0.1:
// write→subscriber latency, acknowledged puts/s and fan-out to many
// subscribers. Writer and subscribers live in this process, so one clock
// times both ends.
import { createFrameClient } from '../ceilings/frame-chain.js'
import { startRelayProcess } from '../lib/relay-process.js'
import { percentile, sorted } from '../lib/stats.js'
import { check, countCheck, now, putAck, recordOf, sleep, soulOf, until, windowed } from '../lib/workload.js'

const PUT_WINDOW = 1000
const CONNECT_TIMEOUT_MS = 30_000
const UPDATE_TIMEOUT_MS = 5_000

function connect(impl, url) {
  return impl.id === 'ws' ? createFrameClient(url) : impl.client(url)
}

async function withRelay(impl, body) {
  const relay = await startRelayProcess(impl.id)
  try {
    return await body(relay)
  } finally {
    await relay.close()
  }
}

/**
 * Subscribers to one soul that remember when each `seq` first reached each
 * of them; `send(seq)` writes it and waits for every subscriber (or the timeout).
 */
function seqChannel(writer, readers, soul) {
  const arrivals = new Map() // seq → arrival times, one per subscriber that saw it
  readers.forEach((reader) => {
    let last = -Infinity
    reader.get(soul).on((node) => {
      const seq = node?.seq
      if (typeof seq !== 'number' || seq <= last) return
      last = seq
      const at = now()
      const list = arrivals.get(seq)
      if (list) list.push(at)
      else arrivals.set(seq, [at])
    })
  })
  return async function send(seq, timeoutMs) {
    const sent = now()
    writer.get(soul).put({ seq })
    await until(() => (arrivals.get(seq)?.length ?? 0) >= readers.length, timeoutMs, 0)
    const got = arrivals.get(seq) ?? []
    arrivals.delete(seq)
    return got.map((at) => at - sent)
  }
}

/** Connects and subscribes, proven by one update reaching every subscriber. */
async function warmUp(send, rounds, subscribers) {
  let reached = 0
  for (let i = 0; i < rounds; i++) reached = (await send(-rounds + i, i === 0 ? CONNECT_TIMEOUT_MS : UPDATE_TIMEOUT_MS)).length
  return check('every subscriber connected', reached === subscribers, `${reached}/${subscribers}`)
}

export async function latency(impl, { updates, warmup }) {
  return withRelay(impl, async (relay) => {
    const writer = connect(impl, relay.url)
    const reader = connect(impl, relay.url)
    const send = seqChannel(writer, [reader], 'lat')
    const connected = await warmUp(send, warmup, 1)
    const samples = []
    for (let seq = 0; seq < updates; seq++) samples.push(...(await send(seq, UPDATE_TIMEOUT_MS)))
    const s = sorted(samples)
    return {
      metrics: { p50: percentile(s, 50), p99: percentile(s, 99) },
      checks: [connected, countCheck('every update delivered', samples.length, updates)],
    }
  })
}

export async function throughput(impl, { n, warmup }) {
  return withRelay(impl, async (relay) => {
    const writer = connect(impl, relay.url)
    const errors = []
    const write = (count, prefix) =>
      windowed(count, PUT_WINDOW, (k) =>
        putAck(writer, soulOf(k, prefix), recordOf(k)).then((ack) => {
          if (ack.err && errors.length < 3) errors.push(String(ack.err))
          return !ack.err
        }),
      )
    const warmed = await write(warmup, 'w')
    const t0 = now()
    const acked = await write(n, 'n')
    const ms = now() - t0
    return {
      metrics: { puts: (n / ms) * 1000, rssMB: (await relay.rss()) / 2 ** 20 },
      checks: [
        countCheck('warm-up puts acknowledged', warmed, warmup),
        check('every put acknowledged without error', acked === n, `${acked}/${n}${errors.length ? `; ${errors.join('; ')}` : ''}`),
      ],
    }
  })
}

export async function fanout(impl, { subscribers, updates, warmup }) {
  return withRelay(impl, async (relay) => {
    const writer = connect(impl, relay.url)
    const readers = []
    for (let i = 0; i < subscribers; i++) {
      readers.push(connect(impl, relay.url))
      // Connect in small bursts, as real clients arrive, not as one SYN flood.
      if (i % 50 === 49) await sleep(20)
    }
    const send = seqChannel(writer, readers, 'fan')
    const connected = await warmUp(send, warmup, subscribers)
    const samples = []
    for (let seq = 0; seq < updates; seq++) samples.push(...(await send(seq, UPDATE_TIMEOUT_MS)))
    const s = sorted(samples)
    const expected = subscribers * updates
    return {
      metrics: {
        p50: percentile(s, 50),
        p99: percentile(s, 99),
        completeness: (samples.length / expected) * 100,
        rssMB: (await relay.rss()) / 2 ** 20,
      },
      checks: [connected, countCheck('every update reached every subscriber', samples.length, expected)],
    }
  })
}
