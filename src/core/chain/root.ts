import type { Ack, Engine, Network, PutOutcome } from '../engine-types.js'
import { TrellisError } from '../errors.js'
import type { GraphNode } from '../node.js'
import { later } from '../later.js'
import { isLink } from '../types.js'
import { createIdSource } from '../random.js'
import { validationLimits, type ValidationLimits } from '../validate.js'
import { wireGraphText } from '../wire.js'
import { createAckDeadlines, NO_ACK } from './ack-deadlines.js'
import { resendUnsent } from './resend-unsent.js'
import { createSyncStatusWatch, type SyncStatus, type SyncStatusListener } from './sync-status.js'

export interface RootOptions {
  /** How long a write waits for a peer's ack before reporting `lack` (Gun: 9 s). */
  ackTimeout?: number
  /** How long a read waits for a first connection to the configured peers (default 3 s). */
  connectTimeout?: number
  /** Soul, key and value sizes a put may write (core/validate.ts defaults). */
  limits?: Partial<ValidationLimits>
}

/** What a read learned: the node (if any) and whether every asked peer answered. */
interface Loaded {
  node: GraphNode | undefined
  synced: boolean
  /** Missing locally and asked through plugins only: settles when they replied or `opt.wait` passed. */
  pluginReply?: Promise<boolean>
}

/**
 * A write as the chain hands it over: the nodes, or a function building
 * them (a promise when links must be looked up first). Building runs after
 * every earlier write is applied.
 */
type WriteBuilder = GraphNode[] | (() => GraphNode[] | Promise<GraphNode[]>)

/** Per-write options, as Gun's `put(data, cb, { opt })` passes them (a SEA certificate for another user's space). */
export interface WriteOptions {
  cert?: unknown
}

/**
 * Runs on every local write's nodes before the engine sees them: SEA's
 * signer (sea/user.ts) wraps the logged-in user's values in signatures here.
 */
export type WriteHook = (nodes: GraphNode[], options: WriteOptions | undefined) => GraphNode[] | Promise<GraphNode[]>

/**
 * The chain's link to the engine and the network: reads that always end,
 * writes that are acknowledged exactly once, and the "synced" signal.
 */
export interface Root {
  readonly engine: Engine
  readonly network: Network | undefined
  /** The size rules this root's puts are checked against. */
  readonly limits: ValidationLimits
  setNetwork(network: Network | undefined): void
  /** Memory, then storage, then the connected peers, after every local write issued before it. Always settles. */
  /**
   * `patient` (default true): a one-shot read, which waits a moment for Gun.on('opt') plugins to bring
   * what is missing locally (as stock's once waits `opt.wait`); a subscriber, which hears later data anyway, does not.
   */
  load(soul: string, patient?: boolean): Promise<Loaded>
  /** The same without waiting for earlier writes (for use while building a write, which already waits). */
  loadNow(soul: string): Promise<Loaded>
  /**
   * The link at soul.key written by a write that is built but not applied yet (its signatures are
   * still being made); undefined when none is. Builds consult it before memory and storage.
   */
  pendingLink(soul: string, key: string): string | undefined
  /** True when a read can be answered from memory right now: no write in flight and nobody to ask. */
  readonly quiet: boolean
  /**
   * Run a local write through the pipeline; `ack` fires once. Writes are
   * applied in the order they were issued, and a read issued after a write
   * sees it.
   */
  write(build: WriteBuilder, ack?: (ack: Ack) => void, options?: WriteOptions): void
  /** Install (or remove) the hook every local write's nodes pass through. */
  setWriteHook(hook: WriteHook | undefined): void
  /** Writes still waiting for an answer from a peer (or from storage when there are no peers). */
  readonly pending: number
  /**
   * Resolves once every write made so far is settled: acknowledged, or refused
   * (a peer's `err` ack, an outbox overflow or TTL): the write's callback says which.
   * Never rejects; a `lack` (9 s without an ack) does not settle a write.
   */
  synced(): Promise<void>
  /** Where writes stand now: `'offline'`, `'syncing'` or `'synced'` (see SyncStatus). */
  readonly syncStatus: SyncStatus
  /** Call `listener` with the status each time it changes; returns the unsubscribe. */
  onSyncStatus(listener: SyncStatusListener): () => void
}

const DEFAULT_ACK_TIMEOUT = 9_000
const DEFAULT_CONNECT_TIMEOUT = 3_000

export function createRoot(engine: Engine, options: RootOptions = {}): Root {
  const ackTimeout = options.ackTimeout ?? DEFAULT_ACK_TIMEOUT
  const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
  const limits = validationLimits(options.limits)
  const nextId = createIdSource()
  let network: Network | undefined
  let pending = 0
  let waiters: (() => void)[] = []
  const inflight = new Map<string, Promise<Loaded>>()
  // A write nobody acknowledged, while no peer is connected at all, is most often a relay that is not running.
  const lacking = createAckDeadlines(ackTimeout, Date.now, () =>
    network?.hasPeers && network.peerCount === 0 ? `${NO_ACK} No peer is connected: is a relay running at the address in \`peers\`?` : NO_ACK,
  )
  /** Settles when every local write issued so far has been applied to memory (or failed). */
  let applied: Promise<void> | undefined
  let applying = 0
  let writeHook: WriteHook | undefined
  /** With a hook: settles when every write issued so far is built (its nodes in `unapplied` or applied). */
  let built: Promise<void> | undefined
  let building = 0
  /** Nodes of writes built but not yet applied, by soul, in issue order (see pendingLink). */
  const unapplied = new Map<string, GraphNode[]>()

  const status = createSyncStatusWatch(() => {
    const net = network
    if (net !== undefined && (net.writesNeedPeerAck ?? net.hasPeers) && net.peerCount === 0) return 'offline'
    return pending > 0 ? 'syncing' : 'synced'
  })
  let unwatchPeers: (() => void) | undefined
  let resendStarted = false

  const beginOne = () => {
    pending++
    if (pending === 1) status.changed()
  }

  const settleOne = () => {
    pending--
    if (pending === 0) {
      status.changed()
      if (waiters.length > 0) {
        const ready = waiters
        waiters = []
        for (const resolve of ready) resolve()
      }
    }
  }

  /** Once per run, when first connected: resend what an earlier run left in the storage's offline queue. */
  const startResend = () => {
    const journal = engine.storage?.unsent
    if (resendStarted || journal === undefined) return
    resendStarted = true
    // The restore counts as a waiting write until the queue is read: never 'synced' before that.
    beginOne()
    void resendUnsent({ journal, engine, limits, nextId, begin: beginOne, settle: settleOne }, () => network).finally(settleOne)
  }

  const fetchRemote = async (soul: string): Promise<Loaded> => {
    try {
      const local = await engine.read(soul)
      const net = network
      if (net === undefined) return { node: local, synced: true }
      if (!net.hasPeers) {
        if (net.readsGoOut !== true) return { node: local, synced: true }
        // No peer, but plugins (Gun.on('opt')) may carry the read elsewhere: they hear it, as stock's `out` does.
        // What is held locally answers at once (replies merge later, and listeners hear them); a patient read
        // of what is missing waits for `pluginReply` (loadSoul), as stock's once waits `opt.wait`.
        const asked = net.fetch(soul)
        return local !== undefined ? { node: local, synced: true } : { node: undefined, synced: true, pluginReply: asked }
      }
      // Right after start-up the first connection may still be opening: give it a moment.
      if (net.peerCount === 0) await net.ready?.(connectTimeout)
      // The network may have been replaced meanwhile (a browser tab that took over the relay connection): ask the new one.
      const now = network ?? net
      if (now !== net && now.peerCount === 0) await now.ready?.(connectTimeout)
      // Asked even when offline: the mesh remembers the soul and asks again on (re)connect.
      const synced = await now.fetch(soul)
      // Replies were merged into memory; read again in case memory let go of the node meanwhile.
      return { node: engine.peek(soul) ?? (await engine.read(soul)), synced }
    } finally {
      inflight.delete(soul)
    }
  }

  /** Acknowledge one applied write: at once in memory-only mode, on durable storage, or on the first peer ack. */
  const acknowledge = (id: string, nodes: GraphNode[], outcome: PutOutcome, ack: ((ack: Ack) => void) | undefined) => {
    const net = network
    const wantsPeer = net !== undefined && (net.writesNeedPeerAck ?? net.hasPeers)
    // Plugins (Gun.on('opt')) see every local write go out, though none of them is waited for.
    if (!wantsPeer && net !== undefined) net.announce?.(nodes, id)
    if (!wantsPeer && engine.storage === undefined) {
      // Memory only: applied means done. The callback still runs after put() returns.
      settleOne()
      if (ack !== undefined) later(ackOk, ack)
      return
    }
    let answered = false
    let synced = false
    const answer = (result: Ack) => {
      if (answered) return
      answered = true
      lacking.delete(id)
      if (ack !== undefined) ack(result)
    }
    const sync = () => {
      if (synced) return
      synced = true
      settleOne()
    }
    if (wantsPeer) {
      lacking.expectBy(id, answer)
      // Kept in the storage's offline queue until a peer answers, so a reload does not lose it (resend-unsent.ts).
      const journal = engine.storage?.unsent
      const putText = journal === undefined ? undefined : wireGraphText(nodes)
      // reason: a queue that cannot take it (quota) only loses the resend after a reload; the write still goes out now.
      if (journal !== undefined && putText !== undefined) journal.add({ id, put: putText }).catch(ignore)
      // Every call here means the write left the mesh's outbox: acked, refused by a peer (`err`),
      // or given up (outbox full, TTL). Then nothing is waiting on it any more: synced() must not
      // hang on it (issue 11, finding 13); the callback has the error.
      net.publish(
        nodes,
        id,
        (peerAck) => {
          if (journal !== undefined) void journal.remove(id)
          answer(peerAck)
          sync()
        },
        putText,
      )
    }
    outcome.durable.then(
      () => {
        if (engine.storageIsDurable || !wantsPeer) answer({ ok: true })
        if (!wantsPeer) sync()
      },
      (error: unknown) => {
        answer(refusal(error))
        if (!wantsPeer) sync()
      },
    )
  }

  const failWrite = (error: unknown, ack: ((ack: Ack) => void) | undefined) => {
    ack?.(refusal(error))
    settleOne()
  }

  const loadSoul = (soul: string, patient: boolean): Promise<Loaded> => {
    const held = engine.peek(soul)
    // Fast path: known in memory and nobody to ask.
    if (held !== undefined && (network === undefined || !network.hasPeers)) return Promise.resolve({ node: held, synced: true })
    let loading = inflight.get(soul)
    if (loading === undefined) inflight.set(soul, (loading = fetchRemote(soul)))
    // The wait for plugins' replies is the patient reader's alone: a write's link lookup sharing this fetch does not wait.
    if (!patient || network?.readsGoOut !== true) return loading
    return loading.then(async (loaded) => {
      if (loaded.pluginReply === undefined) return loaded
      await loaded.pluginReply
      return { node: engine.peek(soul) ?? (await engine.read(soul)), synced: true }
    })
  }

  const root: Root = {
    engine,
    limits,
    get network() {
      return network
    },
    get pending() {
      return pending
    },
    get quiet() {
      return applied === undefined && (network === undefined || !network.hasPeers)
    },
    setNetwork(next) {
      unwatchPeers?.()
      network = next
      unwatchPeers = next?.onPeersChange?.(() => status.changed())
      status.changed()
      if (next !== undefined && next.resendsUnsent !== false) startResend()
    },
    get syncStatus() {
      return status.status
    },
    onSyncStatus: (listener) => status.subscribe(listener),

    load(soul, patient = true) {
      if (applied !== undefined) return applied.then(() => loadSoul(soul, patient))
      return loadSoul(soul, patient)
    },

    loadNow(soul) {
      return loadSoul(soul, false)
    },

    setWriteHook(hook) {
      writeHook = hook
    },

    pendingLink(soul, key) {
      const nodes = unapplied.get(soul)
      if (nodes === undefined) return undefined
      for (let i = nodes.length - 1; i >= 0; i--) {
        const value = nodes[i].get(key)
        if (value !== undefined) return isLink(value) ? value['#'] : undefined
      }
      return undefined
    },

    write(given, ack, options) {
      const hook = writeHook
      const id = nextId()
      beginOne()
      const earlier = applied ?? built
      if (earlier !== undefined) {
        if (hook !== undefined) return pipeline(id, given, undefined, hook, ack, options)
        const run = async () => {
          const nodes = typeof given === 'function' ? await given() : given
          const outcome = await engine.apply(nodes, { kind: 'local', id })
          acknowledge(id, nodes, outcome, ack)
        }
        return track(earlier.then(run).catch((error: unknown) => failWrite(error, ack)))
      }
      // Fast path: nothing in flight, nodes ready, the hook (if any) done on the spot and the engine applying
      // synchronously: no closure, no promise. A logged-in user's write in Node takes it (signing is synchronous).
      let nodesNow: GraphNode[] | Promise<GraphNode[]>
      try {
        nodesNow = typeof given === 'function' ? given() : given
      } catch (error) {
        later(() => failWrite(error, ack))
        return
      }
      if (hook !== undefined) {
        if (!Array.isArray(nodesNow)) return pipeline(id, nodesNow, undefined, hook, ack, options)
        let signed: GraphNode[] | Promise<GraphNode[]>
        try {
          signed = hook(nodesNow, options)
        } catch (error) {
          later(() => failWrite(error, ack))
          return
        }
        // Signatures under way (WebCrypto): the write goes on in the pipeline, its nodes visible to later builds.
        if (!Array.isArray(signed)) return pipeline(id, nodesNow, signed, hook, ack, options)
        nodesNow = signed
      }
      if (Array.isArray(nodesNow)) {
        const nodes = nodesNow
        const outcome = engine.apply(nodes, { kind: 'local', id })
        if (!(outcome instanceof Promise)) return acknowledge(id, nodes, outcome, ack)
        return track(
          outcome.then(
            (done) => acknowledge(id, nodes, done, ack),
            (error: unknown) => failWrite(error, ack),
          ),
        )
      }
      return track(
        nodesNow
          .then((nodes) => Promise.resolve(engine.apply(nodes, { kind: 'local', id })).then((done) => acknowledge(id, nodes, done, ack)))
          .catch((error: unknown) => failWrite(error, ack)),
      )
    },

    synced() {
      return pending === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))
    },
  }

  /**
   * A write through the hook (a logged-in user's writes are signed there), pipelined: builds run in
   * issue order, each after the earlier ones are built (their nodes visible to it through
   * `pendingLink`); the hook runs at once, alongside the earlier writes' hooks; applies run in issue
   * order. Signing is an asynchronous WebCrypto call: waiting for each write's signatures before
   * building the next held a signed writer to one write per crypto round trip (~1 200/s). `signing`:
   * the hook's result when the fast path (write) already ran it.
   */
  const pipeline = (
    id: string,
    build: WriteBuilder | Promise<GraphNode[]>,
    signing: Promise<GraphNode[]> | undefined,
    hook: WriteHook,
    ack: ((ack: Ack) => void) | undefined,
    options: WriteOptions | undefined,
  ) => {
    const earlierApplied = applied
    const earlierBuilt = built ?? applied
    // Marked handled now: it is awaited only once the build is shown, and a refusal must not count as unhandled meanwhile.
    signing?.catch(ignore)
    // Builds run in issue order; one already under way (the fast path's, nothing earlier in flight) goes on.
    const nodes = build instanceof Promise ? build : (earlierBuilt ?? Promise.resolve()).then(() => (typeof build === 'function' ? build() : build))
    const shown = nodes.then((list) => {
      for (const node of list) {
        const held = unapplied.get(node.soul)
        if (held === undefined) unapplied.set(node.soul, [node])
        else held.push(node)
      }
      return list
    })
    building++
    const buildDone = shown.then(ignore, ignore)
    built = buildDone
    void buildDone.then(() => {
      if (--building === 0) built = undefined
    })
    const work = shown.then(async (list) => {
      try {
        const signed = await (signing ?? hook(list, options))
        await earlierApplied
        const outcome = await engine.apply(signed, { kind: 'local', id })
        acknowledge(id, signed, outcome, ack)
      } finally {
        for (const node of list) {
          const held = unapplied.get(node.soul)
          if (held === undefined) continue
          const at = held.indexOf(node)
          if (at !== -1) held.splice(at, 1)
          if (held.length === 0) unapplied.delete(node.soul)
        }
      }
    })
    // Refused (its build or its hook failed): answered at once, but settled after the writes before it, which
    // the writes after it and reads issued after it wait for through this one.
    track(work.catch((error: unknown) => failWrite(error, ack)).then(() => earlierApplied))
  }

  /** Keep later reads and writes behind this one until it is applied. */
  const track = (work: Promise<void>) => {
    applying++
    const done = work.then(
      () => {},
      () => {},
    )
    applied = done
    void done.then(() => {
      if (--applying === 0) applied = undefined
    })
  }

  return root
}

const ignore = () => {}

function ackOk(ack: (ack: Ack) => void): void {
  ack({ ok: true })
}

/** A failed write's ack: the error's text, and its code when it is one of ours (REST maps codes to statuses). */
function refusal(error: unknown): Ack {
  if (error instanceof TrellisError) return { err: error.message, code: error.code }
  return { err: error instanceof Error ? error.message : String(error) }
}
