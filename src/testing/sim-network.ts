import type { StorageAdapter } from '../core/storage-contract.js'
import { createInstance, type RootChain } from '../instance.js'
import type { Engine } from '../core/engine-types.js'
import type { MeshLimits } from '../mesh/limits.js'
import type { CatchUpOptions } from '../mesh/catch-up.js'
import { createMesh, type Mesh, type PeerHandle } from '../mesh/mesh.js'
import { createPrng, pickSeed, type Prng } from './prng.js'

/** Options of `createSimNetwork`: the seed and the faults. */
export interface SimNetworkOptions {
  /** Seed for every random choice (delays, drops, duplicates). Default: TRELLIS_SEED or random; read it back from `seed`. */
  seed?: number
  /** Per-frame delay range in virtual ms; frames overtake each other inside it (reordering). Default [0, 5]. */
  delayMs?: [number, number]
  /**
   * Frames on one link, in one direction, arrive in the order they were sent, as on a WebSocket (TCP);
   * delays still reorder frames across links. Default false: frames on a link overtake each other too.
   */
  ordered?: boolean
  /** Probability that a frame is delivered twice. Default 0. */
  duplicate?: number
  /** Probability that a frame is lost. Default 0. */
  drop?: number
  limits?: Partial<MeshLimits>
  /** Told of every frame sent and what became of it (for a failing run's history). */
  trace?: (from: string, to: string, text: string, fate: 'dropped' | 'cut' | 'sent' | 'duplicated') => void
}

/** Options of one simulated node. */
export interface SimNodeOptions {
  /** Relay mode (subscriptions, forwarding). Default false. */
  relay?: boolean
  /** The node's storage. Default memory. */
  storage?: StorageAdapter
  /** The cluster secret relays prove themselves with (so accepted relay links are relay peers). */
  peerSecret?: string
  /** Catch-up between relays; its feed defaults to `storage.changes`. */
  catchUp?: CatchUpOptions
}

/** One Trellis instance on the simulated network. */
export interface SimNode {
  readonly name: string
  readonly gun: RootChain
  readonly engine: Engine
  readonly mesh: Mesh
}

/** A link between two simulated nodes; `close()` drops it as a closed socket would. */
export interface SimLink {
  readonly from: SimNode
  readonly to: SimNode
  /** Close the link on both ends. */
  close(): void
}

/** The simulated network (`createSimNetwork`): nodes, links, partitions and faults, on virtual time. */
export interface SimNetwork {
  /** The seed every random choice came from: set `TRELLIS_SEED` to it to replay a run. */
  readonly seed: number
  /** Frames sent so far. */
  readonly frames: number
  /** Frames dropped so far (faults and partitions). */
  readonly dropped: number
  /** A new Trellis instance on the network. */
  add(name: string, options?: SimNodeOptions): SimNode
  /** Connect `from` (dialling) to `to` (accepting), through the real mesh, frames as strings. */
  link(from: SimNode, to: SimNode): SimLink
  /** Frames between the two groups are dropped until `heal()`. */
  partition(a: readonly SimNode[], b: readonly SimNode[]): void
  /** End every partition. */
  heal(): void
  /** Change the drop and duplicate probabilities from now on (e.g. a reliable network for a final catch-up). */
  setFaults(faults: { drop?: number; duplicate?: number }): void
  /** Resolves once every frame is delivered and nothing new was sent for a few event-loop turns. */
  settle(): Promise<void>
  /** Close every node and link. */
  close(): Promise<void>
}

/**
 * A seeded in-memory network: several Trellis instances in one process,
 * connected through the real mesh (every frame a string), with delay,
 * reordering, duplication, drops and partitions. A failing run is
 * replayed with its seed (`network.seed`, or TRELLIS_SEED=<seed>).
 */
export function createSimNetwork(options: SimNetworkOptions = {}): SimNetwork {
  const seed = options.seed ?? pickSeed()
  const prng: Prng = createPrng(seed)
  const [minDelay, maxDelay] = options.delayMs ?? [0, 5]
  let duplicate = options.duplicate ?? 0
  let drop = options.drop ?? 0
  const nodes = new Map<string, SimNode>()
  const cut = new Set<string>()
  const links = new Set<SimLink>()
  // Virtual time: frames wait in a queue ordered by (due time, sequence) and are delivered one at a
  // time, each followed by a full turn of the event loop, so a seed replays the same interleaving.
  const queue: { at: number; seq: number; run: () => void }[] = []
  let virtualNow = 0
  let sequence = 0
  let pumping = false
  let frames = 0
  let dropped = 0

  const pairKey = (a: SimNode, b: SimNode) => (a.name < b.name ? `${a.name}\u0000${b.name}` : `${b.name}\u0000${a.name}`)
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

  const pump = async () => {
    if (pumping) return
    pumping = true
    try {
      await turn()
      while (queue.length > 0) {
        let best = 0
        for (let i = 1; i < queue.length; i++) {
          const q = queue[i]
          const b = queue[best]
          if (q.at < b.at || (q.at === b.at && q.seq < b.seq)) best = i
        }
        const [item] = queue.splice(best, 1)
        virtualNow = Math.max(virtualNow, item.at)
        item.run()
        await turn()
        await turn()
      }
    } finally {
      pumping = false
    }
  }

  const deliver = (from: SimNode, to: SimNode, text: string, target: () => PeerHandle | undefined, isOpen: () => boolean, lane: { last: number }) => {
    frames++
    const isCut = cut.has(pairKey(from, to))
    if (isCut || prng.chance(drop)) {
      dropped++
      options.trace?.(from.name, to.name, text, isCut ? 'cut' : 'dropped')
      return
    }
    const copies = prng.chance(duplicate) ? 2 : 1
    options.trace?.(from.name, to.name, text, copies === 2 ? 'duplicated' : 'sent')
    for (let i = 0; i < copies; i++) {
      const delay = minDelay + prng.next() * (maxDelay - minDelay)
      // In order on the link: never due before the frame sent ahead of it (equal times go by sequence).
      const at = options.ordered === true ? Math.max(virtualNow + delay, lane.last) : virtualNow + delay
      lane.last = at
      queue.push({
        at,
        seq: sequence++,
        run: () => {
          const handle = target()
          if (handle !== undefined && isOpen()) handle.hear(text)
        },
      })
    }
    void pump()
  }

  return {
    seed,
    get frames() {
      return frames
    },
    get dropped() {
      return dropped
    },
    add(name, nodeOptions = {}) {
      if (nodes.has(name)) throw new Error(`a node named '${name}' already exists`)
      let mesh: Mesh | undefined
      const gun = createInstance({ peers: [`sim://${name}`], storage: nodeOptions.storage }, (root) => {
        const storage = nodeOptions.storage
        const catchUp = nodeOptions.catchUp === undefined ? undefined : { feed: storage?.changes?.bind(storage), ...nodeOptions.catchUp }
        mesh = createMesh({
          engine: root.engine,
          relay: nodeOptions.relay ?? false,
          limits: options.limits,
          pid: name,
          peerSecret: nodeOptions.peerSecret,
          catchUp,
        })
        root.setNetwork(mesh.network)
        return async () => mesh?.close()
      })
      if (mesh === undefined) throw new Error('the instance did not connect')
      const node: SimNode = { name, gun, engine: gun.root.engine, mesh }
      nodes.set(name, node)
      return node
    },
    link(from, to) {
      let open = true
      let fromHandle: PeerHandle | undefined
      let toHandle: PeerHandle | undefined
      const isOpen = () => open
      const toFrom = { last: 0 }
      const fromTo = { last: 0 }
      const closeBoth = () => {
        if (!open) return
        open = false
        links.delete(link)
        fromHandle?.closed()
        toHandle?.closed()
      }
      toHandle = to.mesh.connect(
        { send: (text) => deliver(to, from, text, () => fromHandle, isOpen, toFrom), close: closeBoth, bufferedAmount: () => 0 },
        { outgoing: false },
      )
      fromHandle = from.mesh.connect(
        { send: (text) => deliver(from, to, text, () => toHandle, isOpen, fromTo), close: closeBoth, bufferedAmount: () => 0 },
        { outgoing: true, url: `sim://${to.name}`, relay: from.mesh.relay && to.mesh.relay },
      )
      const link: SimLink = { from, to, close: closeBoth }
      links.add(link)
      return link
    },
    partition(a, b) {
      for (const x of a) for (const y of b) cut.add(pairKey(x, y))
    },
    heal() {
      cut.clear()
    },
    setFaults(faults) {
      if (faults.drop !== undefined) drop = faults.drop
      if (faults.duplicate !== undefined) duplicate = faults.duplicate
    },
    async settle() {
      // Quiet when no frame is queued across a few turns (handlers may send after async work).
      for (let quiet = 0; quiet < 5; ) {
        await turn()
        if (pumping || queue.length > 0) quiet = 0
        else quiet++
      }
    },
    async close() {
      for (const link of [...links]) link.close()
      for (const node of nodes.values()) await node.gun.close()
      nodes.clear()
    },
  }
}
