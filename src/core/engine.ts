import { createAbsorb } from './absorb.js'
import { createClock } from './clock.js'
import { createDeferral } from './deferral.js'
import type { DeferredWrite } from './deferred.js'
import type { ChangeListener, Engine, EngineOptions, Origin, PutOutcome } from './engine-types.js'
import { TrellisError } from './errors.js'
import { ham } from './ham.js'
import { createInFlight } from './in-flight.js'
import { createLoader } from './loader.js'
import { createMemoryBound, KEY_OVERHEAD, valueBytes } from './memory-bound.js'
import { GraphNode, without } from './node.js'
import { createSortedSouls, mergeUnique } from './sorted-souls.js'
import { sliceNode } from './lex-page.js'
import type { KeyRange } from './storage-contract.js'

export { JOURNAL_ORIGIN } from './deferral.js'

const RESOLVED = Promise.resolve()
const ignore = () => {}
const DEFAULT_MAX_MEMORY_NODES = 250_000
/** 256 MiB: the node bound's 250 000 nodes at about 1 KiB each, while a few huge nodes can no longer take gigabytes. */
const DEFAULT_MAX_MEMORY_BYTES = 256 * 1024 * 1024
const DEFAULT_MAX_DEFERRED = 100_000
/** 64 MiB: 100 000 typical future-state keys (a few hundred bytes each) fit; 6 MB values stop after ten or so. */
const DEFAULT_MAX_DEFERRED_BYTES = 64 * 1024 * 1024
/**
 * 24 h: a client whose clock is off by a time-zone offset (up to 14 h, the
 * commonest large skew) still gets its writes applied when due; a state
 * further ahead is a broken or hostile clock, and would otherwise win every
 * write to its key for as long as it is held.
 */
const DEFAULT_MAX_FUTURE_MS = 24 * 3_600_000

/**
 * The graph engine: one put pipeline for every entry point (chain, wire,
 * REST) — verify → HAM merge into memory → storage → listeners — and reads
 * from memory, then storage.
 *
 * With storage, listeners hear of a change only once storage made it
 * durable, and a write storage refused is rolled back from memory: what
 * anyone hears or reads (through `read`, `readRange`, `peekCommitted`) is
 * committed. Without storage, memory is the store and listeners hear at once.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const clock = options.clock ?? createClock()
  const storage = options.storage
  const storageIsDurable = options.storageIsDurable ?? storage !== undefined
  const verify = options.verify
  const graph = new Map<string, GraphNode>()
  // Listener lists are replaced, never changed in place: a notification walks the list it started
  // with (a listener may subscribe or unsubscribe while it runs) without copying it every time.
  const watchers = new Map<string, readonly Watcher[]>()
  let changeListeners: readonly ChangeListener[] = []
  // Souls held in memory, sorted, for LEX reads over souls; built on the first such read.
  const memorySouls = createSortedSouls(() => graph.keys())
  let indexingSouls = false
  let closed = false
  // Souls with writes storage has not confirmed yet: kept in memory (the bound steps over them: storage
  // could not give them back), shown to readers as storage has them, dropped if storage refuses them.
  const inFlight = createInFlight((soul) => bound.drop(soul))
  let committedViews = 0
  // With storage behind it, memory is a cache and is kept bounded; without, it is the data.
  const maxMemoryNodes = storage === undefined ? Infinity : (options.maxMemoryNodes ?? DEFAULT_MAX_MEMORY_NODES)
  const maxMemoryBytes = storage === undefined ? Infinity : (options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES)
  const countingBytes = maxMemoryBytes !== Infinity
  const bound = createMemoryBound(graph, maxMemoryNodes, maxMemoryBytes, (soul) => watchers.has(soul) || inFlight.has(soul))
  const loader = storage === undefined ? undefined : createLoader(graph, storage, bound)

  const deferral = createDeferral({
    maxCount: options.maxDeferred ?? DEFAULT_MAX_DEFERRED,
    maxBytes: options.maxDeferredBytes ?? DEFAULT_MAX_DEFERRED_BYTES,
    maxFutureMs: options.maxFutureMs ?? DEFAULT_MAX_FUTURE_MS,
    now: clock.now,
    journal: storage?.pending,
    durable: storage !== undefined && storageIsDurable,
    put: (nodes, origin) => engine.put(nodes, origin),
  })
  // Handled here so a failed journal read is not an unhandled rejection; `ready` still rejects for whoever waits.
  deferral.ready.catch(ignore)

  const landed = (changed: GraphNode[], origin: Origin) => {
    for (let i = 0; i < changed.length; i++) inFlight.landed(changed[i].soul)
    notify(changed, origin)
    // A burst of writes overshoots the bound until they are durable; it shrinks back as they land.
    bound.trim(changed.length)
  }

  const refused = (changed: GraphNode[]) => {
    for (let i = 0; i < changed.length; i++) inFlight.refused(changed[i].soul)
    bound.trim(changed.length)
  }

  /**
   * HAM-merge validated nodes into memory; synchronous so that storage sees
   * writes in apply order. Incoming nodes belong to the pipeline: a node
   * whose every key wins is passed on as its own diff, without a copy.
   * Throws (before changing anything) when its future-state keys are refused.
   */
  const apply = (nodes: GraphNode[], origin: Origin): PutOutcome => {
    // Our own states come from our clock and are never in the future; only peers' need the check. What
    // storage already holds (origin 'storage') is accepted as stored.
    const machineState = origin.kind === 'peer' ? clock.now() : Infinity
    const future = machineState === Infinity ? 0 : deferral.check(nodes, machineState)
    const changed: GraphNode[] = []
    let held: DeferredWrite<Origin>[] | undefined
    for (const incoming of nodes) {
      const soul = incoming.soul
      const current = graph.get(soul)
      if (current === undefined && (future === 0 || allDue(incoming, machineState))) {
        // A new node (even one with no keys, from `{}` in a put) is all change. Memory keeps its own copy,
        // made now while the node is young: the diff handed on stays as it is, and the node's first update
        // writes in place (copying on that update instead was 40 % slower on merges, 10 % faster on puts).
        bound.set(soul, incoming.clone())
        changed.push(incoming)
        continue
      }
      const target = current ?? new GraphNode(soul)
      if (current === undefined) bound.set(soul, target)
      // Indices of incoming keys that did not win; the diff is the incoming node minus these.
      let lost: number[] | undefined
      let grew = 0
      const keys = incoming.keys
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]
        const value = incoming.values[i]
        const state = incoming.states[i]
        const at = target.indexOf(key)
        const outcome = ham(machineState, state, value, at === -1 ? -Infinity : target.states[at], at === -1 ? undefined : target.values[at])
        if (outcome === 'accept') {
          if (at === -1) {
            if (countingBytes) grew += KEY_OVERHEAD + 2 * key.length + valueBytes(value)
            target.set(key, value, state)
          } else {
            if (countingBytes) grew += valueBytes(value) - valueBytes(target.values[at])
            target.setAt(at, value, state)
          }
          continue
        }
        ;(lost ??= []).push(i)
        if (outcome === 'defer') (held ??= []).push(deferral.item(soul, key, value, state, origin))
      }
      if (grew !== 0) bound.grow(soul, grew)
      if (lost === undefined) changed.push(incoming)
      else if (lost.length < keys.length) changed.push(without(incoming, lost))
      else if (current === undefined) bound.drop(soul) // all of a new node is in the future: nothing exists yet
    }
    const deferred = held === undefined ? 0 : held.length
    const holding = held === undefined ? undefined : deferral.hold(held)
    if (changed.length === 0) return { changed, deferred, durable: holding ?? RESOLVED }
    if (storage === undefined || origin.kind === 'storage') {
      notify(changed, origin)
      return { changed, deferred, durable: holding ?? RESOLVED }
    }
    let stored: Promise<void>
    try {
      stored = storage.put(changed)
    } catch (error) {
      stored = Promise.reject(error)
    }
    for (let i = 0; i < changed.length; i++) inFlight.add(changed[i].soul)
    // Listeners hear once it is durable; a refused write is rolled back and heard by no one.
    stored.then(
      () => landed(changed, origin),
      () => refused(changed),
    )
    bound.trim(changed.length)
    return { changed, deferred, durable: holding === undefined ? stored : Promise.all([stored, holding]).then(ignore) }
  }

  /** HAM needs the current state of every key, so nodes only in storage are loaded first. */
  const afterLoad = (nodes: GraphNode[], origin: Origin): PutOutcome | Promise<PutOutcome> => {
    if (loader === undefined) return apply(nodes, origin)
    const loads = loader.ensure(nodes)
    return loads === undefined ? apply(nodes, origin) : loads.then(() => apply(nodes, origin))
  }

  // Origin 'storage': changes another process sharing the store already made durable (absorb.ts).
  const absorb = createAbsorb({
    held: (soul) => graph.has(soul),
    apply,
    read: (soul) => engine.read(soul),
    notify: (changed, origin) => notify(changed, origin),
  })

  const run = (nodes: GraphNode[], origin: Origin): PutOutcome | Promise<PutOutcome> => {
    if (origin.kind === 'storage' && storage !== undefined) return absorb(nodes, origin)
    const wait = inFlight.afterRefusals(nodes)
    if (wait !== undefined) return wait.then(() => run(nodes, origin))
    try {
      return afterLoad(nodes, origin)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  const notify = (changed: GraphNode[], origin: Origin) => {
    if (watchers.size > 0) {
      for (const diff of changed) {
        const list = watchers.get(diff.soul)
        if (list !== undefined) for (let i = 0; i < list.length; i++) guard(list[i], diff, undefined)
      }
    }
    const listeners = changeListeners
    for (let i = 0; i < listeners.length; i++) guard(listeners[i], changed, origin)
  }

  const engine: Engine = {
    clock,
    storage,
    storageIsDurable,
    ready: deferral.ready,
    get size() {
      return graph.size
    },

    async put(nodes, origin) {
      return engine.apply(nodes, origin)
    },

    apply(nodes, origin) {
      if (closed) return Promise.reject(new TrellisError('CLOSED', 'Database is closed'))
      if (verify === undefined) return run(nodes, origin)
      // A put the hook passes at once (no signature to check) stays synchronous, as without a hook.
      let verified: GraphNode[] | Promise<GraphNode[]>
      try {
        verified = verify(nodes, origin)
      } catch (error) {
        return Promise.reject(error)
      }
      return verified instanceof Promise ? verified.then((checked) => run(checked, origin)) : run(verified, origin)
    },

    read(soul) {
      if (closed) return Promise.reject(new TrellisError('CLOSED', 'Database is closed'))
      if (loader === undefined) return Promise.resolve(graph.get(soul))
      // Writes not yet durable are not shown: storage has exactly what is committed.
      if (inFlight.has(soul)) return (storage as NonNullable<typeof storage>).get(soul)
      return loader.load(soul)
    },

    async readRange(soul, range: KeyRange) {
      if (storage !== undefined && inFlight.has(soul)) return storage.get(soul, range)
      const held = graph.get(soul)
      if (held === undefined && storage !== undefined) return storage.get(soul, range)
      if (held === undefined) return undefined
      return sliceNode(held, range)
    },

    async souls(range) {
      if (closed) throw new TrellisError('CLOSED', 'Database is closed')
      if (!indexingSouls) {
        // From the first such read on, every soul a write brings into memory is indexed (loads come from storage, which lists them).
        indexingSouls = true
        engine.onChange((changed) => changed.forEach((node) => memorySouls.add(node.soul)))
      }
      const stored = storage === undefined ? [] : await storage.souls(range)
      // Memory after storage: a write committed while storage answered is still in memory, so it is not missed.
      return mergeUnique(stored, memorySouls.query(range), range.reverse === true, range.limit ?? Infinity)
    },

    peek(soul) {
      return graph.get(soul)
    },

    peekCommitted(soul) {
      if (!inFlight.has(soul)) return graph.get(soul)
      let view: GraphNode | undefined
      try {
        view = storage?.getNow?.(soul)
      } catch {
        return undefined
      }
      // A copy each time: a version of its own, so observers comparing versions never take it for one they showed.
      if (view !== undefined) view.version = -++committedViews
      return view
    },

    watch(soul, listener) {
      watchers.set(soul, withListener(watchers.get(soul) ?? [], listener))
      return () => {
        const current = watchers.get(soul)
        if (current === undefined) return
        const rest = withoutListener(current, listener)
        if (rest.length === 0) watchers.delete(soul)
        else watchers.set(soul, rest)
      }
    },

    onChange(listener) {
      changeListeners = withListener(changeListeners, listener)
      return () => {
        changeListeners = withoutListener(changeListeners, listener)
      }
    },

    stats() {
      const held = deferral.stats()
      return {
        memoryNodes: graph.size,
        memoryBytes: bound.bytes,
        maxMemoryNodes,
        maxMemoryBytes,
        soulsInFlight: inFlight.size,
        deferred: held.count,
        deferredBytes: held.bytes,
        deferredRefusedFull: held.refusedFull,
        deferredRefusedHorizon: held.refusedHorizon,
      }
    },

    async close() {
      if (closed) return
      closed = true
      deferral.close()
      watchers.clear()
      changeListeners = []
      // The journal is read to its end before storage closes under it.
      await deferral.ready.catch(ignore)
      if (storage !== undefined) await storage.close()
    },
  }
  return engine
}

function allDue(node: GraphNode, machineState: number): boolean {
  for (let i = 0; i < node.states.length; i++) if (node.states[i] > machineState) return false
  return true
}

type Watcher = (changed: GraphNode) => void

/** A list with `listener` added (once, as a set would hold it). */
function withListener<L>(list: readonly L[], listener: L): readonly L[] {
  return list.includes(listener) ? list : [...list, listener]
}

function withoutListener<L>(list: readonly L[], listener: L): readonly L[] {
  return list.filter((l) => l !== listener)
}

/**
 * Call a listener; one that throws must not stop the pipeline or the other
 * listeners, and its error still surfaces. Arguments are passed, not closed
 * over: this runs for every listener of every change.
 */
function guard<A, B>(listener: (a: A, b: B) => void, a: A, b: B): void {
  try {
    listener(a, b)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
