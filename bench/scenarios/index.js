// The catalogue: every figure the suite reports, which implementations run
// it, at which size, and the target it is held to. Each job runs one
// scenario function (one file per group) in a fresh process per run.
//
// `target.gun`: the improvement over stock Gun the row must show (≥ that
// many times the throughput, or ≤ 1/that of a latency or a size).
// `target.ceiling`: the share of the ceiling (bare ws, LMDB) it must reach.

const K = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n))
const MIN = 60_000

export function catalogue({ quick, gun1m }) {
  const sizes = quick
    ? {
        mem: [2000],
        merge: 1000,
        durable: 1000,
        cold: [500],
        latency: 100,
        latencyWarmup: 20,
        relayPuts: 1000,
        fan: [20, 50],
        fanUpdates: 5,
        fanWarmup: 3,
        heap: 10_000,
        signatures: 500,
        logins: 3,
        signedPuts: 200,
        signedWarmup: 100,
      }
    : {
        mem: [20_000, 100_000],
        merge: 20_000,
        durable: 20_000,
        cold: [20_000, 100_000, 1_000_000],
        latency: 1000,
        latencyWarmup: 2500,
        relayPuts: 10_000,
        fan: [100, 500],
        fanUpdates: 50,
        fanWarmup: 20,
        heap: 100_000,
        signatures: 10_000,
        logins: 10,
        signedPuts: 20_000,
        signedWarmup: 2000,
      }
  const jobs = []

  for (const n of sizes.mem) {
    jobs.push({
      id: `memory-${K(n)}`,
      group: 'memory',
      title: `In memory, ${K(n)} small nodes`,
      module: 'memory.js',
      fn: 'inMemory',
      params: { n, warmup: Math.min(n, 20_000) },
      impls: ['trellis', 'gun'],
      needs: ['gun'],
      timeoutMs: 10 * MIN,
      nodeArgs: ['--expose-gc', '--max-old-space-size=8192'],
      metrics: [
        { key: 'puts', label: `in-memory puts/s (${K(n)})`, unit: '/s', better: 'higher', target: { gun: 50 } },
        { key: 'reads', label: `in-memory reads/s (${K(n)})`, unit: '/s', better: 'higher', target: { gun: 50 } },
      ],
    })
  }
  jobs.push({
    id: 'memory-merge',
    group: 'memory',
    title: `Merge: ${K(sizes.merge)} nodes of 10 properties, 5 updated each`,
    module: 'memory.js',
    fn: 'merge',
    params: { nodes: sizes.merge, warmup: Math.min(sizes.merge, 10_000) },
    impls: ['trellis', 'gun'],
    needs: ['gun'],
    timeoutMs: 10 * MIN,
    nodeArgs: ['--expose-gc'],
    metrics: [{ key: 'merged', label: `properties merged/s (${K(sizes.merge)} nodes)`, unit: '/s', better: 'higher', target: { gun: 50 } }],
  })

  jobs.push({
    id: 'durable-puts',
    group: 'durable',
    title: `Durable acknowledged puts, ${K(sizes.durable)} nodes, 1000 in flight`,
    module: 'durable.js',
    fn: 'durablePuts',
    params: { n: sizes.durable, warmup: Math.min(sizes.durable, 2000) },
    impls: ['trellis', 'gun', 'lmdb'],
    needs: ['durable'],
    timeoutMs: 15 * MIN,
    nodeArgs: ['--max-old-space-size=8192'],
    metrics: [{ key: 'puts', label: `durable acked puts/s (${K(sizes.durable)})`, unit: '/s', better: 'higher', target: { gun: 20 } }],
  })
  for (const n of sizes.cold) {
    const gunTooBig = n >= 1_000_000 && !gun1m
    jobs.push({
      id: `durable-cold-${K(n)}`,
      group: 'durable',
      title: `Cold start and full read-back, ${K(n)} nodes`,
      module: 'durable.js',
      fn: 'coldRead',
      params: { n },
      setup: { fn: 'seed', params: { n } },
      impls: ['trellis', 'gun', 'lmdb'],
      needs: ['durable'],
      timeoutMs: 60 * MIN,
      nodeArgs: ['--max-old-space-size=16384'],
      // Stock Gun reads RAD back at 60–150 records/s here: a full read-back of
      // 100k would take 10–25 minutes a run, and loading 1M would take hours.
      // It gets one run, and a time budget in a full run.
      runsCap: { gun: 1, ...(n >= 1_000_000 ? { trellis: 3, lmdb: 3 } : {}) },
      // Quick mode too: its RAD read-back has been seen at 17 records/s on this host, 30 s for 500.
      implParams: { gun: { budgetMs: quick ? 5_000 : 3 * MIN } },
      skip: gunTooBig ? { gun: 'not run by default: stock Gun needs hours to load and read back 1M nodes here (pass --gun-1m)' } : {},
      metrics: [
        { key: 'coldStartMs', label: `cold start: open + first read (${K(n)})`, unit: 'ms', better: 'lower' },
        { key: 'readBack', label: `full read-back nodes/s (${K(n)})`, unit: '/s', better: 'higher' },
        { key: 'bytes', label: `bytes on disk (${K(n)})`, unit: 'B', better: 'lower', fromSetup: true },
      ],
    })
  }

  jobs.push({
    id: 'relay-latency',
    group: 'relay',
    title: `Relay: write→subscriber latency over ${sizes.latency} sequential updates`,
    // Latency is a steady-state figure, so the warm-up lasts until V8 has optimised the whole path:
    // `--trace-opt` shows TurboFan still compiling Trellis's client and relay code for ~2000 updates,
    // and on two vCPUs each background compile delays a few updates by 1–5 ms. Same for every implementation.
    module: 'relay.js',
    fn: 'latency',
    params: { updates: sizes.latency, warmup: sizes.latencyWarmup },
    impls: ['trellis', 'gun', 'ws'],
    needs: ['relay'],
    timeoutMs: 10 * MIN,
    metrics: [
      { key: 'p50', label: 'relay latency p50', unit: 'ms', better: 'lower', target: { gun: 10, ceiling: 0.5 } },
      { key: 'p99', label: 'relay latency p99', unit: 'ms', better: 'lower', target: { gun: 10, ceiling: 0.5 } },
    ],
  })
  jobs.push({
    id: 'relay-puts',
    group: 'relay',
    title: `Relay: ${K(sizes.relayPuts)} acknowledged puts from one client, 1000 in flight`,
    module: 'relay.js',
    fn: 'throughput',
    params: { n: sizes.relayPuts, warmup: Math.min(sizes.relayPuts, 1000) },
    impls: ['trellis', 'gun', 'ws'],
    needs: ['relay'],
    timeoutMs: 10 * MIN,
    metrics: [
      { key: 'puts', label: 'relay acked puts/s', unit: '/s', better: 'higher', target: { gun: 10, ceiling: 0.5 } },
      { key: 'rssMB', label: 'relay RSS after puts', unit: 'MB', better: 'lower' },
    ],
  })
  for (const subscribers of sizes.fan) {
    jobs.push({
      id: `relay-fanout-${subscribers}`,
      group: 'relay',
      title: `Relay: ${sizes.fanUpdates} updates delivered to ${subscribers} subscribers`,
      module: 'relay.js',
      fn: 'fanout',
      params: { subscribers, updates: sizes.fanUpdates, warmup: sizes.fanWarmup },
      impls: ['trellis', 'gun', 'ws'],
      needs: ['relay'],
      timeoutMs: 10 * MIN,
      nodeArgs: ['--max-old-space-size=8192'],
      metrics: [
        { key: 'p50', label: `delivery to ${subscribers} subscribers p50`, unit: 'ms', better: 'lower', target: { gun: 10, ceiling: 0.5 } },
        { key: 'p99', label: `delivery to ${subscribers} subscribers p99`, unit: 'ms', better: 'lower', target: { gun: 10, ceiling: 0.5 } },
        { key: 'completeness', label: `delivered to ${subscribers} subscribers`, unit: '%', better: 'higher' },
        { key: 'rssMB', label: `relay RSS with ${subscribers} subscribers`, unit: 'MB', better: 'lower' },
      ],
    })
  }

  jobs.push({
    id: 'sea-signatures',
    group: 'sea',
    title: `SEA: sign and verify ${K(sizes.signatures)} messages in process, ${64} at a time`,
    module: 'sea.js',
    fn: 'signatures',
    params: { n: sizes.signatures, warmup: Math.min(sizes.signatures, 1000) },
    impls: ['trellis', 'gun'],
    needs: ['gun'],
    timeoutMs: 10 * MIN,
    metrics: [
      { key: 'sign', label: 'SEA sign/s', unit: '/s', better: 'higher' },
      { key: 'verify', label: 'SEA verify/s', unit: '/s', better: 'higher', target: { gun: 10 } },
    ],
  })
  jobs.push({
    id: 'sea-login',
    group: 'sea',
    title: `SEA: login with alias and password (median of ${sizes.logins})`,
    module: 'sea.js',
    fn: 'login',
    params: { logins: sizes.logins },
    impls: ['trellis', 'gun'],
    needs: ['gun'],
    timeoutMs: 10 * MIN,
    metrics: [{ key: 'loginMs', label: 'SEA login (user.auth)', unit: 'ms', better: 'lower' }],
  })
  jobs.push({
    id: 'sea-relay-puts',
    group: 'sea',
    title: `SEA: ${K(sizes.signedPuts)} signed user-space puts acknowledged through a relay, 256 in flight`,
    module: 'sea.js',
    fn: 'signedRelayPuts',
    params: { n: sizes.signedPuts, warmup: sizes.signedWarmup, window: 256 },
    impls: ['trellis', 'gun'],
    needs: ['relay'],
    timeoutMs: 10 * MIN,
    metrics: [{ key: 'puts', label: 'signed puts/s through a relay', unit: '/s', better: 'higher', target: { gun: 10 } }],
  })

  jobs.push({
    id: 'heap',
    group: 'heap',
    title: `Heap per node: ${K(sizes.heap)} nodes of three properties, after GC`,
    module: 'heap.js',
    fn: 'heapPerNode',
    params: { n: sizes.heap },
    impls: ['trellis', 'gun'],
    needs: ['gun'],
    timeoutMs: 10 * MIN,
    nodeArgs: ['--expose-gc', '--max-old-space-size=8192'],
    metrics: [{ key: 'bytesPerNode', label: `heap bytes per node (${K(sizes.heap)})`, unit: 'B', better: 'lower', target: { gun: 10 } }],
  })
  return jobs
}

/** Jobs whose group or id starts with one of `names` (all when none given). */
export function select(jobs, names) {
  if (names.length === 0) return jobs
  const chosen = jobs.filter((job) =>
    names.some((name) => job.group.startsWith(name) || job.id.startsWith(name) || (name === 'ceiling' && job.impls.some((i) => i === 'ws' || i === 'lmdb'))),
  )
  if (chosen.length === 0)
    throw new Error(
      `no scenario matches ${names.join(', ')}; scenarios: ${[...new Set(jobs.map((j) => j.group))].join(', ')}, ${jobs.map((j) => j.id).join(', ')}`,
    )
  return chosen
}
