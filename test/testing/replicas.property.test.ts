import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from '../../src/storage/memory.js'
import type { SimNetwork, SimNode } from '../../src/testing/index.js'
import {
  Reference,
  SOULS,
  checkParameters,
  differences,
  faultsArbitrary,
  makeNetwork,
  opArbitrary,
  runScenario,
  startScenario,
  type Faults,
  type Topology,
} from './replicas.js'

/**
 * Multi-replica convergence to the HAM result (fast-check, seeded), on the
 * simulated network with drops, duplicates, reordering (random delays),
 * partitions, heals and reconnects. Puts go to random replicas with chosen
 * states: ties with different values, tombstones, links, and future states
 * a little ahead of the wall clock (deferred by the receivers).
 *
 * A failure prints fast-check's seed and path; replay it with
 *   TRELLIS_SEED=<seed> TRELLIS_PATH=<path> npx vitest run test/testing/replicas.property.test.ts
 * TRELLIS_LONG=1 (or TRELLIS_RUNS=<n>) runs more cases; TRELLIS_TRACE=1 puts every frame (and its fate)
 * in a failing case's history; TRELLIS_SHRINK=1 shrinks the counterexample (slow: each case runs real timers).
 */

const params = checkParameters(25, 400)
console.log(
  `replica convergence: fast-check seed ${params.seed}${params.path ? ` path ${params.path}` : ''}, ${params.numRuns} runs (replay: TRELLIS_SEED=${params.seed})`,
)

/** Three clients of one relay; every client reads every soul (so it holds, and is pushed, all of them). */
function star(faults: Faults, log: string[]): Topology {
  const net = makeNetwork(faults, log)
  const relay = net.add('relay', { relay: true })
  const clients = ['c1', 'c2', 'c3'].map((name) => net.add(name))
  const pairs = clients.map((c) => [c, relay] as [typeof c, typeof relay])
  const links = pairs.map(([from, to]) => net.link(from, to))
  for (const c of clients) for (const soul of SOULS) c.gun.get(soul).on(() => {})
  return { net, replicas: [...clients, relay], pairs, links }
}

/**
 * How peered relays are deployed: each dials the ones after it (r1 -> r2, r2 -> r3, r1 -> r3), so every
 * pair has one link, dialled one way. The accepting relay holds such a link for a relay peer's only once
 * the dialler proves it (docs/mesh.md, Peer roles): without the cluster secret it is a client's link and
 * nothing the accepting relay writes goes back over it. So the relays share a secret, as
 * `trellis serve --peer-secret` does, keep a store with a change feed, and (`catchUp`) catch each other up
 * over every relay link as `trellis serve` does by default (passes on every (re)connect).
 */
function addRelays(net: SimNetwork, catchUp: boolean): SimNode[] {
  return ['r1', 'r2', 'r3'].map((name) =>
    net.add(name, {
      relay: true,
      storage: createMemoryStorage(),
      peerSecret: 'cluster secret',
      catchUp: catchUp ? { intervalMs: 0, requestTimeoutMs: 500, retryMs: 20 } : undefined,
    }),
  )
}

const relayLinks = (node: SimNode) => [...node.mesh.peers].filter((p) => p.relay && !p.closed).length

async function waitFor(done: () => boolean, what: string, state?: () => string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${state ? `: ${state()}` : ''}`)
    await new Promise((r) => setTimeout(r, 1))
  }
}

/**
 * At rest: every relay holds its link to each other relay for a relay peer's (proofs are checked
 * asynchronously); with catch-up, each relay finished a pass from each other relay after `since`.
 */
function relaysReady(relays: SimNode[], catchUp: boolean) {
  const passesBefore = new Map<SimNode, number>()
  const reconnecting = () => {
    for (const r of relays) passesBefore.set(r, r.mesh.catchUpStats()?.passesCompleted ?? 0)
  }
  const ready = async (since?: number) => {
    await waitFor(
      () => relays.every((r) => relayLinks(r) === relays.length - 1),
      `every relay link is proven (${since === undefined ? 'at the start' : 'after the heal'})`,
      () =>
        relays
          .map((r) => `${r.name}: ${[...r.mesh.peers].map((p) => `${p.name}${p.relay ? '(relay)' : ''}${p.closed ? '(closed)' : ''}`).join(' ')}`)
          .join('; '),
    )
    if (!catchUp) return
    if (since === undefined) return
    // A pass over a link made at the reconnect completes at or after `since`; the pass counts rule out passes
    // that ended in that same millisecond before it.
    const caughtUp = (r: SimNode) =>
      (r.mesh.catchUpStats()?.passesCompleted ?? 0) >= (passesBefore.get(r) ?? 0) + relays.length - 1 &&
      relays.every((o) => o === r || (r.mesh.catchUpStats()?.lastCatchUp.get(o.name) ?? -1) >= since)
    const state = () =>
      relays
        .map((r) => {
          const st = r.mesh.catchUpStats()
          return `${r.name}: passes ${st?.passesCompleted}, pages ${st?.pagesReceived}/${st?.pagesServed} served, timeouts ${st?.requestsTimedOut}, last ${[...(st?.lastCatchUp ?? [])].map(([pid, t]) => `${pid}@${t - since}`).join(' ')}`
        })
        .join('; ')
    await waitFor(() => relays.every(caughtUp), 'every relay caught up from every other one', state)
  }
  return { ready, reconnecting }
}

const relayPairs = (relays: SimNode[]): [SimNode, SimNode][] => [
  [relays[0], relays[1]],
  [relays[1], relays[2]],
  [relays[0], relays[2]],
]

/**
 * Three peered relays (above), one client on each; writes at relays and clients. Frames on one link
 * arrive in order, as on a WebSocket (delays still reorder frames across links): when a relay answers a
 * client's re-read itself and then passes on a relay peer's older answer under the same id, a client that
 * took the older one first frees its read and drops the newer (TRELLIS_SEED=173129824 TRELLIS_PATH=297
 * without `ordered`) — a reordering a real connection never makes.
 */
function relayMesh(faults: Faults, log: string[]): Topology {
  const net = makeNetwork(faults, log, true)
  const relays = addRelays(net, true)
  const clients = ['c1', 'c2', 'c3'].map((name) => net.add(name))
  const pairs: [SimNode, SimNode][] = [...relayPairs(relays), ...clients.map((c, i) => [c, relays[i]] as [SimNode, SimNode])]
  const links = pairs.map(([from, to]) => net.link(from, to))
  for (const c of clients) for (const soul of SOULS) c.gun.get(soul).on(() => {})
  return { net, replicas: [...relays, ...clients], pairs, links, ...relaysReady(relays, true) }
}

/**
 * Three peered relays and nobody reading: writes made at the relays themselves (as REST writes are).
 * `catchUp` false: live pushes only (the lossless case, where pushes alone must converge).
 */
function relaysAlone(catchUp: boolean) {
  return (faults: Faults, log: string[]): Topology => {
    const net = makeNetwork(faults, log)
    const relays = addRelays(net, catchUp)
    const pairs = relayPairs(relays)
    const links = pairs.map(([from, to]) => net.link(from, to))
    return { net, replicas: relays, pairs, links, ...relaysReady(relays, catchUp) }
  }
}

/** A network that loses nothing: delays (reordering) and duplicates only, no partitions, no reconnects. */
const lossless: fc.Arbitrary<Faults> = fc.record({
  seed: fc.nat(),
  drop: fc.constant(0),
  duplicate: fc.constantFrom(0, 0.3),
  maxDelay: fc.constantFrom(0, 5, 30),
})

async function property(build: (faults: Faults, log: string[]) => Topology, replicas: number, links: number, reliable = false, future = true) {
  const all = opArbitrary(replicas, links, future)
  const ops = reliable ? all.filter((op) => op.kind !== 'partition' && op.kind !== 'reconnect') : all
  const details = await fc.check(
    fc.asyncProperty(reliable ? lossless : faultsArbitrary, fc.array(ops, { minLength: 1, maxLength: 40 }), async (faults, ops) => {
      const log: string[] = []
      const topology = build(faults, log)
      try {
        await startScenario(topology, faults)
        // On a network that loses nothing, pushes alone must converge: no reconnect at the end.
        const { expected, actual } = await runScenario(topology, ops, log, !reliable)
        const diff = differences(topology.replicas, expected, actual)
        if (diff.length > 0) {
          throw new Error(
            `replicas differ from HAM (network seed ${faults.seed}, drop ${faults.drop}, dup ${faults.duplicate}, delay 0..${faults.maxDelay}):\n  ${diff.join('\n  ')}\nhistory:\n  ${log.join('\n  ')}`,
          )
        }
      } finally {
        await topology.net.close()
      }
    }),
    { seed: params.seed, path: params.path, numRuns: params.numRuns, endOnFailure: process.env.TRELLIS_SHRINK !== '1' },
  )
  if (details.failed) {
    const replay = `TRELLIS_SEED=${details.seed} TRELLIS_PATH=${details.counterexamplePath ?? ''}`
    throw new Error(
      `replay this case: ${replay} (add TRELLIS_TRACE=1 for every frame, TRELLIS_SHRINK=1 to shrink)\n${fc.defaultReportMessage(details)}\n${details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)}`,
    )
  }
}

describe('replicas converge to the HAM result (fast-check, seeded; seed printed, TRELLIS_SEED replays)', () => {
  it('three clients and their relay, under drops, duplicates, reordering, partitions, heals and reconnects', async () => {
    await property(star, 4, 3)
  }, 120_000)

  // Relays recover what a partition or a lost frame kept from them by catching each other up (docs/mesh.md).
  it('three peered relays and their clients, under the same faults', async () => {
    await property(relayMesh, 6, 6)
  }, 300_000)

  it('three peered relays, nobody reading, writes at the relays', async () => {
    await property(relaysAlone(true), 3, 3)
  }, 300_000)

  it('three clients and their relay on a lossless network converge by pushes alone (no reconnect; states due)', async () => {
    await property(star, 4, 3, true, false)
  }, 120_000)

  // Issue 11 finding 12: future-state writes of two clients that fall due together were all attributed to the
  // first writer, whose copy of the second writer's key was then never pushed.
  it('three clients and their relay on a lossless network converge by pushes alone, future states included', async () => {
    await property(star, 4, 3, true, true)
  }, 120_000)

  it('three peered relays on a lossless network converge by pushes alone (no reconnect)', async () => {
    await property(relaysAlone(false), 3, 3, true)
  }, 120_000)

  it('the reference model follows HAM: newer state wins; on a tie the greater JSON text (null over strings, a link over all, 9 over 10)', () => {
    const ref = new Reference()
    ref.add('s', 'newer', 'old', 1)
    ref.add('s', 'newer', 'new', 2)
    ref.add('s', 'newer', 'older', 1)
    ref.add('s', 'tomb', 'zzz', 5)
    ref.add('s', 'tomb', null, 5)
    ref.add('s', 'link', null, 5)
    ref.add('s', 'link', { '#': 'a' }, 5)
    ref.add('s', 'num', 10, 5)
    ref.add('s', 'num', 9, 5)
    expect(ref.text('s')).toBe('"link"={"#":"a"}@5,"newer"="new"@2,"num"=9@5,"tomb"=null@5')
  })
})
