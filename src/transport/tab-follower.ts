import type { Ack, Engine, Network } from '../core/engine-types.js'
import { randomId } from '../core/random.js'
import type { ValidationLimits } from '../core/validate.js'
import { parseWireGraph, wireGraphText } from '../core/wire.js'
import type { TabMessage } from './tab-messages.js'

/** A follower's write the leader has not answered yet. */
interface FollowerWrite {
  id: string
  put: string
  onAck: (ack: Ack) => void
}

export interface FollowerParts {
  /** This tab's id on the leader channel. */
  tab: string
  post: (message: TabMessage) => void
  engine: Engine
  limits: ValidationLimits
  /** How long a read waits for the leader's answer (the mesh's read timeout). */
  readTimeoutMs: number
  /** Most writes waiting for the leader's answer, and most souls re-asked on a new leader (the mesh's outbox and interest bounds). */
  maxWrites: number
  maxInterest: number
  /** Most reads waiting for the leader's answer at once (the mesh's route bound); past it a read answers from local data. */
  maxReads: number
}

/** The Network of a tab that does not hold the relay connection: everything goes through the leader tab. */
export interface Follower {
  readonly network: Network
  /** A message heard on the leader channel. */
  hear(message: TabMessage): void
  /** This tab takes over: what it still owes the relay (unanswered writes, souls read), and the follower stops. */
  handOver(): { writes: FollowerWrite[]; interest: string[] }
  close(): void
}

const OUTBOX_FULL = 'Outbox full: write dropped before any peer acknowledged it.'

/**
 * The follower side of leader election (tab-leader.ts). Writes are posted to
 * the leader and kept until it answers with the relay's ack; reads are posted
 * and answered with the node as the leader holds it once the relay answered,
 * merged here like a peer's reply. When a new leader announces itself, every
 * unanswered write is posted again and every soul read is asked again (what a
 * reconnect does on a socket). `peerCount` is the leader's: a follower is
 * online while the leader is.
 */
export function createFollower(parts: FollowerParts): Follower {
  const { tab, post, engine, limits } = parts
  let leader: string | undefined
  let leaderPeers = 0
  let closed = false
  const writes = new Map<string, FollowerWrite>()
  const reads = new Map<string, (synced: boolean) => void>()
  // Insertion-ordered, oldest first out past the bound.
  const interest = new Set<string>()
  const peerListeners = new Set<() => void>()
  const readyWaiters = new Set<() => void>()
  const changed = () => {
    for (const listener of [...peerListeners]) listener()
    if (network.peerCount > 0) for (const resolve of [...readyWaiters]) resolve()
  }

  const ask = (id: string, soul: string, key: string | undefined) => post({ t: 'get', from: tab, id, soul, key })

  const network: Network = {
    get peerCount() {
      return leader === undefined ? 0 : leaderPeers
    },
    hasPeers: true,
    writesNeedPeerAck: true,
    // The leader resends the shared offline queue (every tab's) when it takes over; a follower sending it too would only repeat it.
    resendsUnsent: false,
    ready(timeoutMs) {
      if (network.peerCount > 0 || closed) return Promise.resolve(network.peerCount > 0)
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer)
          readyWaiters.delete(done)
          resolve(network.peerCount > 0)
        }
        const timer = setTimeout(done, timeoutMs)
        readyWaiters.add(done)
      })
    },
    fetch(soul, key) {
      interest.delete(soul)
      interest.add(soul)
      if (interest.size > parts.maxInterest) interest.delete(interest.values().next().value as string)
      // Asked even while the leader is offline: its mesh remembers the soul and asks the relay once connected.
      if (closed || leader === undefined || reads.size >= parts.maxReads) return Promise.resolve(false)
      const id = randomId()
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => finish(false), parts.readTimeoutMs)
        const finish = (synced: boolean) => {
          clearTimeout(timer)
          reads.delete(id)
          resolve(synced)
        }
        reads.set(id, finish)
        ask(id, soul, key)
      })
    },
    publish(nodes, id, onAck, putText) {
      const put = putText ?? wireGraphText(nodes)
      writes.set(id, { id, put, onAck })
      if (writes.size > parts.maxWrites) {
        const [oldest] = writes.values()
        writes.delete(oldest.id)
        oldest.onAck({ err: OUTBOX_FULL, lack: true })
      }
      if (leader !== undefined) post({ t: 'put', from: tab, id, put })
    },
    onPeersChange(listener) {
      peerListeners.add(listener)
      return () => {
        peerListeners.delete(listener)
      }
    },
  }

  return {
    network,
    hear(message) {
      if (closed) return
      switch (message.t) {
        case 'leader': {
          const fresh = message.tab !== leader
          leader = message.tab
          leaderPeers = message.peers
          if (fresh) {
            // A new leader knows nothing of what we asked the last one: as after a reconnect, say it all again.
            for (const write of writes.values()) post({ t: 'put', from: tab, id: write.id, put: write.put })
            for (const soul of interest) ask(randomId(), soul, undefined)
          }
          changed()
          return
        }
        case 'ack': {
          if (message.to !== tab) return
          const write = writes.get(message.id)
          if (write === undefined) return
          writes.delete(message.id)
          write.onAck(message.ack)
          return
        }
        case 'got': {
          if (message.to !== tab) return
          const finish = reads.get(message.id)
          if (message.put === undefined) return finish?.(message.synced)
          let nodes
          try {
            nodes = parseWireGraph(JSON.parse(message.put), limits)
          } catch {
            return finish?.(false)
          }
          // Merged like a peer's reply (and stored: the leader may not have committed it yet), before the read goes on.
          engine.put(nodes, { kind: 'peer', peer: LEADER_TAB }).then(
            () => finish?.(message.synced),
            () => finish?.(false),
          )
          return
        }
        default:
          return
      }
    },
    handOver() {
      const owed = { writes: [...writes.values()], interest: [...interest] }
      closed = true
      writes.clear()
      return owed
    },
    close() {
      closed = true
      for (const finish of [...reads.values()]) finish(false)
      for (const resolve of [...readyWaiters]) resolve()
      peerListeners.clear()
    },
  }
}

/** The peer that replies relayed by the leader tab come from (tab-channel.ts does not post them on: the leader has). */
export const LEADER_TAB = { name: 'leader tab' }
