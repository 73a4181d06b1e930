import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { valueText } from '../../src/core/ham.js'
import { createDb } from '../../src/index.node.js'
import type { RootChain } from '../../src/instance.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { createPrng, type Prng } from '../../src/testing/prng.js'
import { clusterRelay, type ClusterRelay, type Dump } from './cluster.js'
import { stablePort } from './ports.js'
import { startProxy, type LinkProxy } from './proxy.js'
import { waitUntil } from '../support/wait.js'

/**
 * One Jepsen-style run: 3 relay processes peered through TCP proxies the
 * test controls, clients writing unique keys through proxies of their own,
 * faults (partitions, heals, cut client links, SIGKILL + restart on the same
 * port and data directory) at moments drawn from a seed; then everything is
 * healed and the checker runs on each relay's data directory.
 */

export interface RunOptions {
  seed: number
  /** How long clients write and faults happen, in ms. */
  durationMs: number
  /**
   * 'durable': every acknowledged write is on the disk of some relay (none lost).
   * 'everywhere': every acknowledged write is on every relay's disk, and the disks are identical.
   */
  check: 'durable' | 'everywhere'
  /** How long to wait after the heal for outboxes to drain and replicas to agree. */
  settleMs: number
  /** false: no faults at all (a baseline). */
  faults?: boolean
  /** Every client also subscribes to every soul (`.on`): reads that re-ask after each reconnect. */
  readers?: boolean
  /** Only these kinds of fault (the schedule is drawn as usual, then filtered): e.g. ['kill'] or ['cut-client', 'heal-client']. */
  faultKinds?: readonly string[]
}

interface Write {
  client: number
  soul: string
  key: string
  value: string
  sentAt: number
  ackAt?: number
  err?: string
}

export interface RunResult {
  seed: number
  ok: boolean
  problems: string[]
  history: string[]
  writes: number
  acked: number
  faults: number
  kills: number
  /** ms from the heal until the replicas agreed (strict check), or undefined when they did not. */
  convergedAfterMs?: number
  /** Acknowledged writes missing from each relay's disk (reported in both modes). */
  missingPerRelay: number[]
  elapsedMs: number
}

type Fault =
  | { at: number; kind: 'partition'; a: number; b: number }
  | { at: number; kind: 'heal'; a: number; b: number }
  | { at: number; kind: 'isolate'; a: number }
  | { at: number; kind: 'cut-client'; c: number }
  | { at: number; kind: 'heal-client'; c: number }
  | { at: number; kind: 'kill'; a: number; downMs: number }
  | { at: number; kind: 'heal-all' }

const RELAYS = 3
const CLIENTS = 3
const SOULS = 4

/** The fault schedule: a pure function of the seed, drawn before anything runs. */
function faultSchedule(prng: Prng, durationMs: number): Fault[] {
  const faults: Fault[] = []
  let at = 50 + prng.int(150)
  while (at < durationMs) {
    const roll = prng.int(100)
    const a = prng.int(RELAYS)
    const b = (a + 1 + prng.int(RELAYS - 1)) % RELAYS
    const c = prng.int(CLIENTS)
    if (roll < 25) faults.push({ at, kind: 'partition', a, b })
    else if (roll < 40) faults.push({ at, kind: 'heal', a, b })
    else if (roll < 50) faults.push({ at, kind: 'isolate', a })
    else if (roll < 60) faults.push({ at, kind: 'cut-client', c })
    else if (roll < 70) faults.push({ at, kind: 'heal-client', c })
    else if (roll < 90) faults.push({ at, kind: 'kill', a, downMs: 50 + prng.int(700) })
    else faults.push({ at, kind: 'heal-all' })
    at += 80 + prng.int(400)
  }
  return faults
}

// Timing of the experiment itself, never a wait for a result: the seeded fault schedule, the writers'
// pacing, how long a killed relay stays down, the settle bound. Waiting for an outcome goes through waitUntil.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))

/**
 * Start a killed relay again on its port. Another test file's free-port probe (bind, release) may hold
 * the port for a moment: EADDRINUSE is retried a few times; anything else is the relay's failure.
 */
async function startAgain(relay: ClusterRelay): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await relay.start()
    } catch (error) {
      const killed = (error as { killed?: boolean }).killed === true
      if (killed || attempt >= 5 || !String((error as Error).message).includes('EADDRINUSE')) throw error
      await sleep(200 * attempt)
    }
  }
}

export async function jepsenRun(options: RunOptions): Promise<RunResult> {
  const { seed, durationMs } = options
  const prng = createPrng(seed)
  const kinds = options.faultKinds
  const schedule = options.faults === false ? [] : faultSchedule(prng, durationMs).filter((f) => kinds === undefined || kinds.includes(f.kind))
  const writesPrng = createPrng((seed ^ 0x5bd1e995) >>> 0)
  const started = Date.now()
  const history: string[] = []
  const note = (line: string) => history.push(`${String(Date.now() - started).padStart(6)} ms  ${line}`)
  const problems: string[] = []
  const root = mkdtempSync(join(tmpdir(), `trellis-jepsen-${seed}-`))
  const relayPorts: number[] = []
  while (relayPorts.length < RELAYS) {
    const port = await stablePort()
    if (!relayPorts.includes(port)) relayPorts.push(port)
  }
  // proxies[i][j]: relay i dials relay j through it; clientProxies[c]: client c dials relay c % RELAYS through it.
  const proxies: LinkProxy[][] = []
  const clientProxies: LinkProxy[] = []
  const relays: ClusterRelay[] = []
  const clients: RootChain[] = []
  const writes: Write[] = []
  const restarts = new Set<Promise<unknown>>()
  let kills = 0
  let keep = false
  const url = (port: number) => `http://127.0.0.1:${port}/gun`

  try {
    for (let i = 0; i < RELAYS; i++) {
      proxies[i] = []
      for (let j = 0; j < RELAYS; j++) if (j !== i) proxies[i][j] = await startProxy(`r${i}->r${j}`, relayPorts[j])
    }
    for (let c = 0; c < CLIENTS; c++) clientProxies[c] = await startProxy(`c${c}->r${c % RELAYS}`, relayPorts[c % RELAYS])
    for (let i = 0; i < RELAYS; i++) {
      const peers = () => proxies[i].filter((p) => p !== undefined).map((p) => url(p.port))
      relays.push(clusterRelay(`r${i}`, relayPorts[i], join(root, `r${i}`), `relay-${i}`, peers))
    }
    await Promise.all(relays.map((r) => r.start()))
    // The relays' links to each other are up before anyone writes (writes made earlier are a separate case).
    await waitUntil(async () => (await Promise.all(relays.map((r) => r.linked()))).every(Boolean), 'the relays link up', 15_000)
    note(`seed ${seed}: ${RELAYS} relays up (ports ${relayPorts.join(', ')}), data in ${root}`)
    for (let c = 0; c < CLIENTS; c++) {
      // Writes wait for an ack as long as the run lasts: a relay that is down or cut off acks after it is back.
      // reason: the untyped chain (the runtime object behind Db) takes any soul and key, as these writes need.
      clients.push(createDb({ peers: [url(clientProxies[c].port)], ackTimeout: 10 * 60_000 }) as unknown as RootChain)
      if (options.readers === true) for (let k = 0; k < SOULS; k++) clients[c].get(`jepsen-${seed}-s${k}`).on(() => {})
    }

    const cutPair = (a: number, b: number) => {
      proxies[a][b].cut()
      proxies[b][a].cut()
    }
    const healPair = (a: number, b: number) => {
      proxies[a][b].heal()
      proxies[b][a].heal()
    }
    const healAll = () => {
      for (const row of proxies) for (const p of row) p?.heal()
      for (const p of clientProxies) p.heal()
    }

    const runFault = (fault: Fault) => {
      switch (fault.kind) {
        case 'partition':
          cutPair(fault.a, fault.b)
          return note(`partition r${fault.a} | r${fault.b}`)
        case 'heal':
          healPair(fault.a, fault.b)
          return note(`heal r${fault.a} - r${fault.b}`)
        case 'isolate':
          for (let j = 0; j < RELAYS; j++) if (j !== fault.a) cutPair(fault.a, j)
          return note(`isolate r${fault.a}`)
        case 'cut-client':
          clientProxies[fault.c].cut()
          return note(`cut client c${fault.c}`)
        case 'heal-client':
          clientProxies[fault.c].heal()
          return note(`heal client c${fault.c}`)
        case 'heal-all':
          healAll()
          return note('heal all')
        case 'kill': {
          const relay = relays[fault.a]
          if (!relay.running) return note(`kill r${fault.a}: already down, skipped`)
          kills++
          note(`SIGKILL r${fault.a} (restart in ${fault.downMs} ms)`)
          const restart = relay
            .kill('SIGKILL')
            .then(() => sleep(fault.downMs))
            .then(() => startAgain(relay))
            .then(
              () => note(`r${fault.a} restarted (start ${relay.starts})`),
              (error: Error & { killed?: boolean }) => {
                // Killed again while starting (a later fault): that fault's restart brings it back.
                if (error.killed === true) return note(`r${fault.a} killed while starting`)
                problems.push(`r${fault.a} failed to restart: ${error.message}`)
                note(`r${fault.a} FAILED to restart: ${error.message}`)
              },
            )
          restarts.add(restart)
          void restart.finally(() => restarts.delete(restart))
          return
        }
      }
    }

    // ---- the run: clients write while faults happen ----
    let writing = true
    const writer = async (c: number) => {
      let n = 0
      while (writing) {
        const soul = `jepsen-${seed}-s${writesPrng.int(SOULS)}`
        const key = `c${c}-w${n++}`
        const write: Write = { client: c, soul, key, value: `${key}@${seed}`, sentAt: Date.now() - started }
        writes.push(write)
        clients[c].get(soul).put({ [key]: write.value }, (ack: { err?: string }) => {
          if (ack.err !== undefined) write.err = String(ack.err)
          else write.ackAt ??= Date.now() - started
        })
        await sleep(4 + writesPrng.int(25))
      }
    }
    const t0 = Date.now()
    note(`writing starts; faults at ${schedule.map((f) => f.at).join(', ')} ms from here`)
    const faulter = async () => {
      for (const fault of schedule) {
        await sleep(t0 + fault.at - Date.now())
        runFault(fault)
      }
      await sleep(t0 + durationMs - Date.now())
    }
    const writers = Array.from({ length: CLIENTS }, (_, c) => writer(c))
    await faulter()
    writing = false
    await Promise.all(writers)

    // ---- heal everything, bring every relay back, let the outboxes drain ----
    healAll()
    while (restarts.size > 0) await Promise.all([...restarts])
    await Promise.all(relays.map((r) => startAgain(r)))
    const healedAt = Date.now()
    note(`healed: every link open, every relay up; ${writes.length} writes sent`)
    const deadline = healedAt + options.settleMs
    // Every client's outbox drains (synced() settles once each write is answered), or the settle bound passes.
    await Promise.race([Promise.all(clients.map((db) => db.synced())), sleep(deadline - Date.now())])
    const unacked = writes.filter((w) => w.ackAt === undefined)
    note(
      `outboxes: ${clients.map((db) => db.pending).join('/')} pending; ${writes.length - unacked.length} acked, ${unacked.filter((w) => w.err !== undefined).length} refused`,
    )
    const acked = writes.filter((w) => w.ackAt !== undefined && w.err === undefined)
    // Liveness: with everything healed, a client's outbox resends until a relay acks; a write left unanswered is a bug.
    const unanswered = writes.filter((w) => w.ackAt === undefined && w.err === undefined)
    if (unanswered.length > 0) {
      problems.push(
        `UNANSWERED: ${unanswered.length} writes neither acknowledged nor refused ${options.settleMs} ms after the heal, e.g. ${unanswered
          .slice(0, 5)
          .map((w) => `${w.soul}.${w.key} (c${w.client}, sent at ${w.sentAt} ms)`)
          .join(', ')}`,
      )
    }

    // ---- quiescence: poll what each relay holds itself until they agree (or the bound) ----
    let convergedAfterMs: number | undefined
    if (options.check === 'everywhere') {
      const converged = await waitUntil(
        async () => {
          const dumps = await Promise.all(relays.map((r) => r.dump().catch(() => undefined)))
          return dumps.every((d) => d !== undefined) && agree(dumps as Dump[]) && acked.every((w) => (dumps[0] as Dump)[w.soul]?.[w.key] !== undefined)
        },
        'the replicas agree',
        Math.max(0, deadline - Date.now()),
      ).then(
        () => true,
        () => false,
      )
      if (converged) {
        convergedAfterMs = Date.now() - healedAt
        note(`replicas agree (${convergedAfterMs} ms after the heal)`)
      } else note(`replicas still differ ${options.settleMs} ms after the heal`)
    }

    // ---- stop, then read every data directory with the storage engine itself ----
    for (const db of clients) await db.close()
    clients.length = 0
    await Promise.all(relays.map((r) => r.kill('SIGTERM')))
    const disks: Dump[] = []
    for (const relay of relays) disks.push(await readDataDir(relay.dataDir))

    const missingPerRelay = disks.map((disk) => acked.filter((w) => !holds(disk, w)).length)
    const lost = acked.filter((w) => disks.every((disk) => !holds(disk, w)))
    for (const w of lost.slice(0, 20))
      problems.push(`LOST: acknowledged write ${w.soul}.${w.key} (client c${w.client}, sent at ${w.sentAt} ms, acked at ${w.ackAt} ms) is on no relay's disk`)
    if (lost.length > 20) problems.push(`... ${lost.length} acknowledged writes lost in all`)
    for (const disk of disks) {
      for (const w of acked) {
        const cell = disk[w.soul]?.[w.key]
        if (cell !== undefined && cell[0] !== JSON.stringify(w.value))
          problems.push(`WRONG VALUE: ${w.soul}.${w.key} holds ${cell[0]}, written ${JSON.stringify(w.value)}`)
      }
    }
    if (options.check === 'everywhere') {
      disks.forEach((disk, i) => {
        const missing = acked.filter((w) => !holds(disk, w))
        if (missing.length > 0) {
          problems.push(
            `r${i} lacks ${missing.length} of ${acked.length} acknowledged writes, e.g. ${missing
              .slice(0, 5)
              .map((w) => `${w.soul}.${w.key} (c${w.client}, acked at ${w.ackAt} ms)`)
              .join(', ')}`,
          )
        }
      })
      if (!agree(disks)) problems.push(`the relays' disks differ: ${disks.map((d, i) => `r${i} ${countKeys(d)} keys`).join(', ')}`)
    }
    note(`checked: ${acked.length} acknowledged writes; missing per relay disk ${missingPerRelay.join('/')}; lost ${lost.length}`)
    keep = problems.length > 0
    return {
      seed,
      ok: problems.length === 0,
      problems,
      history,
      writes: writes.length,
      acked: acked.length,
      faults: schedule.length,
      kills,
      convergedAfterMs,
      missingPerRelay,
      elapsedMs: Date.now() - started,
    }
  } catch (error) {
    // The run itself broke (a relay that would not start, ...): keep its data and say what happened before.
    keep = true
    note(`the run threw: ${error instanceof Error ? error.message : String(error)}`)
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), { history })
  } finally {
    for (const db of clients) await db.close().catch(() => {})
    await Promise.all([...restarts].map((r) => r.catch(() => {})))
    await Promise.all(relays.map((r) => r.kill('SIGKILL')))
    for (const row of proxies) for (const p of row ?? []) await p?.close()
    for (const p of clientProxies) await p.close()
    if (!keep) rmSync(root, { recursive: true, force: true })
    else {
      // The whole history, every write with its ack, next to the data directories it produced.
      const lines = [
        ...history,
        ...writes.map(
          (w) =>
            `write c${w.client} ${w.soul}.${w.key} sent ${w.sentAt} ms, ${w.err !== undefined ? `refused: ${w.err}` : w.ackAt !== undefined ? `acked ${w.ackAt} ms` : 'never acked'}`,
        ),
      ]
      writeFileSync(join(root, 'history.txt'), lines.join('\n') + '\n')
      history.push(`data directories and the full history (every write and its ack) kept in ${root} (history.txt)`)
    }
  }
}

function holds(disk: Dump, w: Write): boolean {
  return disk[w.soul]?.[w.key] !== undefined
}

function countKeys(d: Dump): number {
  let n = 0
  for (const soul of Object.keys(d)) n += Object.keys(d[soul]).length
  return n
}

function agree(dumps: readonly Dump[]): boolean {
  const texts = dumps.map(canonical)
  return texts.every((t) => t === texts[0])
}

function canonical(d: Dump): string {
  return Object.keys(d)
    .sort()
    .map(
      (soul) =>
        `${soul}{${Object.keys(d[soul])
          .sort()
          .map((k) => `${k}=${d[soul][k][0]}@${d[soul][k][1]}`)
          .join(',')}}`,
    )
    .join('\n')
}

/** Everything in a (stopped) relay's data directory, read by the log storage itself. */
async function readDataDir(dir: string): Promise<Dump> {
  const store = await createLogStorage({ dir, readOnly: true, logger: { warn: () => undefined } })
  try {
    const out: Dump = {}
    for (const soul of await store.souls()) {
      const node = await store.get(soul)
      if (node === undefined) continue
      const keys: Record<string, [string, number]> = {}
      for (let i = 0; i < node.keys.length; i++) keys[node.keys[i]] = [valueText(node.values[i]), node.states[i]]
      out[soul] = keys
    }
    return out
  } finally {
    await store.close()
  }
}
