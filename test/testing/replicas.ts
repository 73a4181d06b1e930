import fc from 'fast-check'
import { GraphNode } from '../../src/core/node.js'
import type { Value } from '../../src/core/types.js'
import { createSimNetwork, type SimLink, type SimNetwork, type SimNode } from '../../src/testing/index.js'

/**
 * A seeded multi-replica scenario on the simulated network, and an
 * independent HAM reference to check it against. Shared by the property
 * tests of test/testing/*.property.test.ts.
 */

export const SOULS = ['s1', 's2', '__proto__', 'constructor'] as const
const KEYS = ['a', 'b', 'toString', '_x'] as const

/** Fixed base for past states, so ties between replicas are frequent and replays repeat them. */
const BASE_STATE = 1_700_000_000_000
/** Future states are stamped this far (at most) ahead of the wall clock: the receivers defer them for real. */
const FUTURE_HORIZON_MS = 120

type Put = {
  kind: 'put'
  at: number
  soul: string
  key: string
  value: Value
  /** `past`: BASE_STATE + tick (ties likely); `future`: wall clock + tick ms at the moment of the put. */
  when: 'past' | 'future'
  tick: number
}
export type Op = Put | { kind: 'partition'; mask: number } | { kind: 'heal' } | { kind: 'reconnect'; link: number } | { kind: 'settle' }

const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom('a', 'b', '1', '9', '10', ''),
  fc.constantFrom(1, 9, 10, 0, -1),
  fc.boolean(),
  fc.constant(null), // tombstone
  fc.constantFrom(...SOULS).map((soul) => ({ '#': soul })), // link
)

export function opArbitrary(replicas: number, links: number, future = true): fc.Arbitrary<Op> {
  const put = fc.record({
    kind: fc.constant('put' as const),
    at: fc.nat({ max: replicas - 1 }),
    soul: fc.constantFrom(...SOULS),
    key: fc.constantFrom(...KEYS),
    value,
    when: future
      ? fc.oneof({ weight: 6, arbitrary: fc.constant('past' as const) }, { weight: 1, arbitrary: fc.constant('future' as const) })
      : fc.constant('past' as const),
    tick: fc.nat({ max: 4 }),
  })
  return fc.oneof(
    { weight: 10, arbitrary: put },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('partition' as const), mask: fc.nat({ max: (1 << replicas) - 1 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reconnect' as const), link: fc.nat({ max: links - 1 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
  )
}

export interface Faults {
  seed: number
  drop: number
  duplicate: number
  maxDelay: number
}

export const faultsArbitrary: fc.Arbitrary<Faults> = fc.record({
  seed: fc.nat(),
  drop: fc.constantFrom(0, 0.05, 0.2),
  duplicate: fc.constantFrom(0, 0.1, 0.3),
  maxDelay: fc.constantFrom(0, 5, 30),
})

/** JSON text of a value (a link is `{"#":soul}`, its only key), as HAM compares values on equal states. */
const valueText = (value: Value | undefined): string => (value === undefined ? '' : JSON.stringify(value))

/**
 * HAM for due states, written here apart from src/core/ham.ts so the check does not share its code:
 * the greater state wins; on equal states the greater JSON text wins; equal text changes nothing.
 */
function beats(state: number, value: Value, heldState: number, heldValue: Value): boolean {
  if (state !== heldState) return state > heldState
  return valueText(value) > valueText(heldValue)
}

/** The HAM result of every put, computed without the engine: per (soul, key) the winner by `beats`. */
export class Reference {
  private readonly cells = new Map<string, Map<string, { value: Value; state: number }>>()
  add(soul: string, key: string, value: Value, state: number): void {
    let node = this.cells.get(soul)
    if (node === undefined) this.cells.set(soul, (node = new Map()))
    const held = node.get(key)
    if (held === undefined || beats(state, value, held.state, held.value)) node.set(key, { value, state })
  }
  text(soul: string): string {
    const node = this.cells.get(soul)
    if (node === undefined) return ''
    return [...node]
      .map(([k, c]) => `${JSON.stringify(k)}=${valueText(c.value)}@${c.state}`)
      .sort()
      .join(',')
  }
}

/** What a replica holds of `soul`, in the reference's text form. */
function replicaText(node: SimNode, soul: string): string {
  const held = node.engine.peek(soul)
  if (held === undefined) return ''
  return held.keys
    .map((k, i) => `${JSON.stringify(k)}=${valueText(held.values[i])}@${held.states[i]}`)
    .sort()
    .join(',')
}

export interface Topology {
  net: SimNetwork
  replicas: SimNode[]
  /** Each link as it was made, so it can be dropped and made again (a reconnect). */
  pairs: [SimNode, SimNode][]
  links: SimLink[]
  /**
   * Resolves once the topology is what a deployment would be at rest after its links (re)opened:
   * relay links proven and, where relays catch each other up, a catch-up pass done over each since `since`
   * (ms, wall clock). Called before the first op (`since` undefined: links proven only; see `startScenario`)
   * and after the final reconnect.
   */
  ready?: (since?: number) => Promise<void>
  /** Told just before the final reconnect. */
  reconnecting?: () => void
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Run `ops` on a topology and bring it to rest the way the product promises
 * convergence: heal the network, let future states fall due, re-establish
 * every connection (a lost frame on a real socket means the socket broke and
 * is redialled: clients resend their outbox and re-ask what they read), and
 * wait until nothing moves. Returns the per-replica texts and the reference's.
 */
export async function runScenario(
  topology: Topology,
  ops: readonly Op[],
  log: string[],
  reconnectAtEnd = true,
): Promise<{ expected: Map<string, string>; actual: Map<string, string>[] }> {
  const { net, replicas, pairs, links } = topology
  const reference = new Reference()
  let latestFuture = 0
  for (const op of ops) {
    switch (op.kind) {
      case 'put': {
        const node = replicas[op.at]
        const state = op.when === 'past' ? BASE_STATE + op.tick : Date.now() + FUTURE_HORIZON_MS - op.tick
        if (op.when === 'future') latestFuture = Math.max(latestFuture, state)
        reference.add(op.soul, op.key, op.value, state)
        const diff = new GraphNode(op.soul)
        diff.set(op.key, op.value, state)
        // The chain's own write path (outbox, acks, pushes), with the state chosen by the test.
        node.gun.root.write([diff])
        log.push(`put@${node.name} ${JSON.stringify(op.soul)}.${JSON.stringify(op.key)}=${valueText(op.value)} @${op.when === 'past' ? `B+${op.tick}` : state}`)
        break
      }
      case 'partition': {
        const inside = replicas.filter((_, i) => (op.mask >> i) & 1)
        const outside = replicas.filter((_, i) => !((op.mask >> i) & 1))
        net.partition(inside, outside)
        log.push(`partition [${inside.map((n) => n.name)}] | [${outside.map((n) => n.name)}]`)
        break
      }
      case 'heal':
        net.heal()
        log.push('heal')
        break
      case 'reconnect': {
        const i = op.link % pairs.length
        links[i].close()
        links[i] = net.link(pairs[i][0], pairs[i][1])
        log.push(`reconnect ${pairs[i][0].name}->${pairs[i][1].name}`)
        break
      }
      case 'settle':
        await net.settle()
        log.push('settle')
        break
    }
    await turn()
  }
  net.heal()
  // From here on the network is reliable (duplicates and reordering stay): what was lost must be recovered.
  net.setFaults({ drop: 0 })
  await net.settle()
  // Future states fall due on the wall clock (the engine's deferral timers), then their pushes flow.
  while (Date.now() <= latestFuture + 5) await new Promise((r) => setTimeout(r, Math.max(1, latestFuture + 6 - Date.now())))
  await settleUntilQuiet(net)
  const since = Date.now()
  if (reconnectAtEnd) {
    topology.reconnecting?.()
    for (let i = 0; i < links.length; i++) {
      links[i].close()
      links[i] = net.link(pairs[i][0], pairs[i][1])
    }
  }
  log.push(reconnectAtEnd ? 'final: heal, futures due, every link reconnected' : 'final: futures due (no reconnect)')
  await net.settle()
  if (reconnectAtEnd) await topology.ready?.(since)
  await net.settle()
  // Pushes caused by merges of catch-up replies can start after a quiet spell.
  await settleUntilQuiet(net)
  const expected = new Map<string, string>()
  for (const soul of SOULS) expected.set(soul, reference.text(soul))
  const actual = replicas.map((node) => new Map(SOULS.map((soul) => [soul, replicaText(node, soul)])))
  return { expected, actual }
}

/**
 * Bring a new topology up the way a deployment starts: its links open and handshake on a network that
 * loses nothing (a lost handshake frame would be a broken socket, redialled), then the faults begin.
 */
export async function startScenario(topology: Topology, faults: Faults): Promise<void> {
  await topology.net.settle()
  await topology.ready?.()
  topology.net.setFaults({ drop: faults.drop })
}

/** A readable account of where replicas differ from the reference. */
export function differences(replicas: SimNode[], expected: Map<string, string>, actual: Map<string, string>[]): string[] {
  const out: string[] = []
  actual.forEach((held, i) => {
    for (const [soul, want] of expected) {
      const got = held.get(soul) ?? ''
      if (got !== want) out.push(`${replicas[i].name} ${JSON.stringify(soul)}: holds {${got}} but HAM says {${want}}`)
    }
  })
  return out
}

/** A network with `faults` (drops start at `startScenario`); with TRELLIS_TRACE=1 every frame (and its fate) goes into `log`, for a failing run's history. */
export function makeNetwork(faults: Faults, log?: string[], ordered = false): SimNetwork {
  const trace =
    process.env.TRELLIS_TRACE === '1' && log !== undefined
      ? (from: string, to: string, text: string, fate: string) => void log.push(`  ${from}->${to} ${fate} ${text.slice(0, 300)}`)
      : undefined
  // Drops begin once the topology is up (startScenario).
  return createSimNetwork({ seed: faults.seed, ordered, drop: 0, duplicate: faults.duplicate, delayMs: [0, faults.maxDelay], trace })
}

/** fast-check parameters from the environment: TRELLIS_SEED (and TRELLIS_PATH) replay a run; TRELLIS_LONG=1 runs many more. */
export function checkParameters(defaultRuns: number, longRuns: number): { seed: number; path?: string; numRuns: number } {
  const seedText = process.env.TRELLIS_SEED
  const seed = seedText !== undefined && seedText !== '' ? Number(seedText) | 0 : (Math.random() * 2 ** 31) | 0
  const path = process.env.TRELLIS_PATH || undefined
  const runs = Number(process.env.TRELLIS_RUNS ?? (process.env.TRELLIS_LONG === '1' ? longRuns : defaultRuns))
  return { seed, path, numRuns: path !== undefined ? 1 : runs }
}

/**
 * Settle, then again after the timers due meanwhile have run (batch flushes, deferrals falling due),
 * until a pass sends no frame at all: the network is quiet, not merely quiet for a while.
 */
async function settleUntilQuiet(net: SimNetwork): Promise<void> {
  for (let passes = 0; ; passes++) {
    const before = net.frames
    await new Promise((resolve) => setTimeout(resolve, 2))
    await net.settle()
    if (net.frames === before && passes >= 1) return
    if (passes > 1000) throw new Error('the simulated network never went quiet')
  }
}
