import type { Root } from '../core/chain/root.js'
import type { Ack } from '../core/engine-types.js'
import { randomId } from '../core/random.js'
import { parseWireGraph, wireGraphText } from '../core/wire.js'
import type { Connection } from '../instance.js'
import { DEFAULT_LIMITS } from '../mesh/limits.js'
import type { Mesh } from '../mesh/mesh.js'
import { createFollower } from './tab-follower.js'
import { asTabMessage, type TabMessage } from './tab-messages.js'

/** The Web Locks API, as far as leader election uses it. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<unknown>
}

/** A connection made the usual way (a mesh and its diallers), for the tab that leads. */
export interface DirectConnection extends Connection {
  readonly mesh: Mesh
}

/**
 * Several tabs of one database, one relay connection: the tabs elect a
 * leader with the Web Locks API (the lock `<channel>:leader`: granted to one
 * tab at a time, released when that tab closes, then granted to the next
 * waiting tab). The leader connects to `peers` as usual; the others are
 * followers (tab-follower.ts) whose writes and reads go through the leader on
 * the BroadcastChannel `<channel>:leader`; live changes reach them on the
 * database's channel (tab-channel.ts). A follower that becomes leader hands
 * what it still owes the relay to its new connection. All tabs are expected
 * to name the same `peers` (the leader's are the ones dialled).
 */
export function connectAsTab(root: Root, channelName: string, locks: LockManagerLike, connectDirect: () => DirectConnection): Connection {
  const tab = randomId()
  const channel = new BroadcastChannel(`${channelName}:leader`)
  const post = (message: TabMessage) => channel.postMessage(message)
  const follower = createFollower({
    tab,
    post,
    engine: root.engine,
    limits: root.limits,
    readTimeoutMs: DEFAULT_LIMITS.readTimeoutMs,
    maxWrites: DEFAULT_LIMITS.maxOutbox,
    maxInterest: DEFAULT_LIMITS.maxInterest,
    maxReads: DEFAULT_LIMITS.maxRoutes,
  })
  root.setNetwork(follower.network)
  let direct: DirectConnection | undefined
  let release: (() => void) | undefined
  let closed = false
  const laterPeers: string[] = []
  const abort = new AbortController()

  const announce = () => {
    if (direct !== undefined) post({ t: 'leader', tab, peers: direct.mesh.network.peerCount })
  }

  /** The leader's side of the protocol: the followers' writes and reads go to the relay. */
  const lead = (message: TabMessage, mesh: Mesh) => {
    switch (message.t) {
      case 'hello':
        return announce()
      case 'put': {
        let nodes
        try {
          nodes = parseWireGraph(JSON.parse(message.put), root.limits)
        } catch (error) {
          return post({ t: 'ack', to: message.from, id: message.id, ack: { err: error instanceof Error ? error.message : String(error) } })
        }
        const answer = (ack: Ack) => {
          // The offline queue is shared: cleared here too, in case the follower closed before hearing the ack.
          void root.engine.storage?.unsent?.remove(message.id).catch(ignore)
          post({ t: 'ack', to: message.from, id: message.id, ack })
        }
        return mesh.network.publish(nodes, randomId(), answer, message.put)
      }
      case 'get': {
        const { from, id, soul } = message
        void mesh.network.fetch(soul, message.key).then(async (synced) => {
          let node
          try {
            node = root.engine.peek(soul) ?? (await root.engine.read(soul))
          } catch {
            node = undefined
          }
          post({ t: 'got', to: from, id, put: node === undefined ? undefined : wireGraphText([node]), synced })
        })
        return
      }
      default:
        return
    }
  }

  channel.onmessage = (event: MessageEvent) => {
    const message = asTabMessage(event.data)
    if (message === undefined || closed) return
    if (direct !== undefined) return lead(message, direct.mesh)
    follower.hear(message)
  }

  const takeOver = () => {
    const owed = follower.handOver()
    follower.close()
    const connection = connectDirect()
    direct = connection
    for (const url of laterPeers) connection.addPeer?.(url)
    const network = connection.mesh.network
    // What this tab asked of the last leader and got no answer for: now ours to send (as a reconnect resends).
    for (const write of owed.writes) {
      try {
        network.publish(parseWireGraph(JSON.parse(write.put), root.limits), write.id, write.onAck, write.put)
      } catch (error) {
        write.onAck({ err: error instanceof Error ? error.message : String(error) })
      }
    }
    for (const soul of owed.interest) void network.fetch(soul)
    network.onPeersChange?.(announce)
    announce()
  }

  void locks
    .request(`${channelName}:leader`, { signal: abort.signal }, () => {
      if (closed) return Promise.resolve()
      takeOver()
      return new Promise<void>((resolve) => {
        release = resolve
      })
    })
    .catch(() => {
      // reason: aborted by close() while waiting for the lock; nothing to undo.
    })
  post({ t: 'hello' })

  return {
    addPeer(url) {
      if (direct?.addPeer !== undefined) direct.addPeer(url)
      else laterPeers.push(url)
    },
    async close() {
      closed = true
      abort.abort()
      follower.close()
      channel.close()
      if (direct !== undefined) await direct.close()
      else root.setNetwork(undefined)
      release?.()
    },
  }
}

const ignore = () => {}
