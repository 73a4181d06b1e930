import { parseWireGraph } from '../core/wire.js'
import { BatchTask } from './batch-task.js'
import { createBoundedMap } from './bounded-map.js'
import type { CatchUp } from './catch-up.js'
import { decodeFrame } from './codec.js'
import { createDamHandler } from './dam.js'
import { createDedup } from './dedup.js'
import { createGetHandler } from './get-handler.js'
import { createOutgoingGreeter } from './greet-outgoing.js'
import { randomId } from './ids.js'
import { DEFAULT_LIMITS, type MeshLimits } from './limits.js'
import { CLOSE_MOB, CLOSE_SLOW_CONSUMER } from './link.js'
import { createMeshContext } from './mesh-context.js'
import { MeshCounters } from './mesh-counters.js'
import type { MeshRole } from './mesh-role.js'
import type { Mesh, MeshOptions, PeerEvents, PeerHandle } from './mesh-types.js'
import { errorText, field, stringField, type WireMessage } from './message.js'
import { createOutbox } from './outbox.js'
import { Peer } from './peer.js'
import { createPeerNetwork } from './peer-network.js'
import { createPutHandler } from './put-handler.js'
import { createReplyHandler } from './reply-handler.js'
import type { Route } from './routes.js'
import { createSubscriptions } from './subscriptions.js'
import { startSweeper, sweepInterval } from './sweeper.js'

/**
 * The mesh: peers, dedup, routes, the message handlers — with what makes it a relay handed in as
 * `role` (mesh-role.ts), so a client's build holds none of it. `createMesh` (mesh.ts) and
 * `createClientMesh` (client-mesh.ts) are the two ways to call it.
 */
export function createMeshWithRole(role: MeshRole, options: MeshOptions): Mesh {
  const engine = options.engine
  const pid = options.pid ?? randomId(9)
  const relay = options.relay ?? false
  const relayParts = relay ? role.relay : undefined
  if (relay && relayParts === undefined) throw new Error('This mesh has no relay role: a relay is made with createMesh (trellis/server), not createClientMesh')
  const ackPuts = options.ackPuts ?? (relay || engine.storageIsDurable)
  const limits: MeshLimits = { ...DEFAULT_LIMITS, ...options.limits }
  const log = options.log ?? (() => {})
  const peers = new Set<Peer>()
  const dedup = createDedup(limits.maxDedup, limits.dedupAgeMs, Date.now, limits.maxDedupBytes)
  const routes = createBoundedMap<Route>({
    max: limits.maxRoutes,
    maxBytes: limits.maxRouteBytes,
    ageMs: limits.routeAgeMs,
    onEvict: (_id, route) => expireRoute(route),
  })
  const subscriptions = createSubscriptions({
    maxPerPeer: limits.maxSubscriptionsPerPeer,
    maxEntries: limits.maxSubscriptions,
    maxKeysPerSoul: 64,
    maxKeyChars: limits.maxSoulChars,
    maxBytesPerPeer: limits.maxSubscriptionBytesPerPeer,
    maxBytes: limits.maxSubscriptionBytes,
  })
  // Souls this process read from peers: asked again after every (re)connect, as stock browsers do.
  const interest = createBoundedMap<true>({ max: limits.maxInterest, maxBytes: limits.maxInterestBytes, ageMs: Infinity })
  const outbox = createOutbox(limits.maxOutbox, limits.outboxTtlMs, Date.now, limits.maxOutboxBytes)
  // Expiry without traffic: one unref'd timer sweeps every table a slice at a time (sweeper.ts).
  const stopSweeper = startSweeper([dedup, routes, outbox], sweepInterval([limits.dedupAgeMs, limits.routeAgeMs, limits.outboxTtlMs]))
  const counters = new MeshCounters()
  let peerCounter = 0
  let incoming = 0
  let closed = false

  // Fairness on relays (src/mesh/fair.ts, docs/mesh.md "Fairness"): see the hook in `hear` below.
  const fair = role.work({ peers, limits, log })
  const context = createMeshContext({ engine, pid, relay, ackPuts, limits, peers, routes, subscriptions, dedup, work: fair, counters, log })
  const { send, sendText } = context

  const sliceMessages = Math.max(1, limits.sliceMessages)
  // A full slice of messages ends the peer's slice, as `sliceChars` of frames would.
  const charsPerMessage = Math.ceil(Math.max(1, limits.sliceChars) / sliceMessages)
  const hearBatched = (msg: WireMessage, peer: Peer) => hearMessage(msg, peer, undefined)
  const handleGet = createGetHandler(context, relayParts)
  const handlePut = createPutHandler(context)
  const handleReply = createReplyHandler(context, outbox)

  function expireRoute(route: Route): void {
    if (route.kind === 'fetch' || route.kind === 'forward') route.finish()
  }

  // ---- pushes: peer-origin changes go to subscribed peers and relay peers, never back to the sender ----
  const pushChanges = relayParts?.pusher(context, dedup.track)
  const unsubscribeChanges =
    pushChanges === undefined
      ? () => {}
      : engine.onChange((changed, origin) => {
          // On a relay, its own writes (REST, CLI) are pushed like a peer's; storage replays are not news.
          if (origin.kind === 'storage' || changed.length === 0) return
          pushChanges(changed, origin)
        })

  // ---- one message ----
  /** Gun.on('opt') plugins' `in` handlers (setInbound): they see each message before it is handled. */
  let inbound: ((msg: WireMessage, peer: Peer) => void) | undefined

  function hearMessage(msg: WireMessage, peer: Peer, raw: string | undefined): void {
    // Control messages stay between the two meshes, as stock's `dam` never reaches `root.on('in')`.
    if (inbound !== undefined && !Object.hasOwn(msg, 'dam')) return inbound(msg, peer)
    handleMessage(msg, peer, raw)
  }

  function handleMessage(msg: WireMessage, peer: Peer, raw: string | undefined): void {
    const given = field(msg, '#')
    let id: string
    if (typeof given === 'string' && given !== '') id = given
    else if (typeof given === 'number') id = String(given)
    else msg['#'] = id = randomId()
    if (id.length > limits.maxIdChars) return refuseLongId(peer, id)
    const ack = stringField(msg, '@')
    if (ack === undefined || Object.hasOwn(msg, 'put') || Object.hasOwn(msg, 'dam')) {
      if (dedup.check(id)) return
    } else {
      // A bare ack (no data, no control) is harmless to hear twice in every route and is never
      // relayed, so it skips the dedup table: two table operations saved per write on a busy writer.
      return handleReply(msg, ack, id, peer, raw)
    }
    const hash = field(msg, '##')
    const get = field(msg, 'get')
    if ((typeof hash === 'number' || typeof hash === 'string') && (ack !== undefined || get !== undefined)) {
      const ash = (ack ?? id) + '#' + String(hash)
      if (dedup.check(ash)) return
      dedup.track(ash)
    }
    dedup.track(id)
    const dam = field(msg, 'dam')
    if (dam !== undefined) return hearDam(String(dam), msg, id, peer)
    if (ack !== undefined) return handleReply(msg, ack, id, peer, raw)
    if (get !== undefined) return handleGet(msg, get, id, peer)
    const put = field(msg, 'put')
    if (put !== undefined) return handlePut(msg, put, id, peer)
  }

  // ---- connections ----
  const eventsOf = new WeakMap<Peer, PeerEvents>()
  const links = role.links({
    pid,
    relay,
    maxIdChars: limits.maxIdChars,
    peers,
    peerSecret: options.peerSecret,
    send,
    closePeer,
    eventsOf: (peer) => eventsOf.get(peer),
    isClosed: () => closed,
    log,
    onRelayLink: (peer) => catchUp?.linkReady(peer),
  })
  const catchUp: CatchUp | undefined =
    relayParts !== undefined && options.catchUp !== undefined
      ? relayParts.catchUp({ engine, parse: (put) => parseWireGraph(put, limits), sendText, log }, options.catchUp)
      : undefined

  const hearDam = createDamHandler({ links, catchUp, eventsOf: (peer) => eventsOf.get(peer), log })

  function closePeer(peer: Peer, code: number, reason: string): void {
    if (peer.closed) return
    try {
      peer.batcher.flush()
    } catch {
      // reason: flushing a dying link may throw; closing it is what matters.
    }
    peer.closed = true
    try {
      peer.link.close(code, reason)
    } catch {
      // reason: the transport may already be gone.
    }
    detach(peer)
  }

  function detach(peer: Peer): void {
    if (!peers.delete(peer)) return
    peer.closed = true
    if (!peer.outgoing) incoming--
    subscriptions.removePeer(peer)
    links.detached(peer)
    catchUp?.detached(peer)
    peerNetwork.peerLeft()
  }

  /**
   * A message whose id is longer than `maxIdChars` is dropped (it could not be deduplicated or routed
   * safely), and the sender hears why — once per frame, however many such messages the frame held: a
   * `dam:'!'` notice naming the limit and the id's first `maxIdChars` characters, so a sender can match
   * it to the message it sent. No `@`: the id is not echoed whole (its sender chose its size).
   */
  const longIdNoticeFrame = new WeakMap<Peer, number>()
  function refuseLongId(peer: Peer, id: string): void {
    counters.longIdsRefused++
    if (longIdNoticeFrame.get(peer) === peer.framesIn) return
    longIdNoticeFrame.set(peer, peer.framesIn)
    sendError(peer, `Message id too long: ${id.length} chars, at most ${limits.maxIdChars}; message dropped. Id begins: ${id.slice(0, limits.maxIdChars)}`)
  }

  function sendError(peer: Peer, err: string): void {
    // Control messages never reach plugins' `out` handlers (stock's `dam` does not pass `out` either).
    if (peer === plugged) return log(`dropped a message from plugins: ${err}`)
    counters.errorsSent++
    send(peer, { '#': randomId(), dam: '!', err })
  }

  /** Decode a frame and handle its messages; a bad one costs that frame only. */
  function hearFrame(text: string, peer: Peer, onError: (err: string) => void): void {
    const decoded = decodeFrame(text, limits.maxFrameChars, limits.maxBatch)
    if (decoded.kind === 'error') return onError(decoded.err)
    if (decoded.kind === 'ignored') return
    const raw = decoded.single ? text : undefined
    for (const msg of decoded.messages) {
      if (peer.closed) return
      handleMessage(msg, peer, raw)
    }
  }

  let plugged: Peer | undefined

  const greetOutgoing = createOutgoingGreeter({ relay, limits, interest, outbox, dedup, context })
  const peerNetwork = createPeerNetwork({ relay, limits, peers, interest, outbox, dedup, context })

  return {
    pid,
    relay,
    network: peerNetwork.network,
    peers,
    connect(link, info, events) {
      if (info.outgoing) peerNetwork.expectPeers(true)
      // The dialler has a link of its own again: the duplicate rule starts afresh on it.
      if (events !== undefined) links.dialling(events)
      const peer = new Peer(`p${++peerCounter}`, link, info, limits, (slow) => {
        if (!slow.closed) counters.slowConsumersClosed++
        closePeer(slow, CLOSE_SLOW_CONSUMER, 'send queue full')
      })
      if (events !== undefined) eventsOf.set(peer, events)
      const handle: PeerHandle = {
        peer,
        hear(text) {
          if (peer.closed || closed) return
          // Fairness hook: a big frame, or one from a peer with work waiting or over budget, waits for its turn.
          if (fair.deferFrame(peer, text, handle)) return
          peer.framesIn++
          counters.framesIn++
          peer.heardAt = Date.now()
          try {
            const decoded = decodeFrame(text, limits.maxFrameChars, limits.maxBatch)
            if (decoded.kind === 'error') return sendError(peer, decoded.err)
            if (decoded.kind === 'ignored') return
            const raw = decoded.single ? text : undefined
            const messages = decoded.messages
            // A batch of many messages is work in count too: it is handled in the peer's turns, a slice at a time
            // (none of it now: ten such frames read in one poll would otherwise be ten slices before anyone's turn).
            if (messages.length > sliceMessages) return fair.batch(peer, new BatchTask(peer, messages, 0, sliceMessages, charsPerMessage, hearBatched))
            for (let i = 0; i < messages.length; i++) {
              if (peer.closed) return
              hearMessage(messages[i], peer, raw)
            }
          } catch (error) {
            // reason: no input may take the process down; a handler bug costs one message.
            log(`dropped a frame from ${peer.name}: ${errorText(error)}`)
          }
        },
        closed(code) {
          const closedByThem = !peer.closed
          detach(peer)
          if (closedByThem) links.closedByThem(peer, code)
        },
      }
      if (closed) {
        peer.closed = true
        link.close(1001, 'closing')
        return handle
      }
      peers.add(peer)
      if (!info.outgoing) {
        incoming++
        if (incoming > limits.maxPeers) {
          const suggested: Record<string, object> = {}
          for (const url of options.mobPeers?.() ?? []) suggested[url] = {}
          send(peer, { '#': randomId(), dam: 'mob', mob: incoming, peers: suggested })
          peer.batcher.flush()
          setTimeout(() => closePeer(peer, CLOSE_MOB, 'over peer limit'), 10)
          return handle
        }
        // Gun's greeting: not tracked in dedup, so a connection to ourselves hears it and is found out.
        // Its nonce is fresh per connection: a relay proves itself against it (docs/mesh.md, Peer roles).
        sendText(peer, links.greet(peer))
      } else {
        greetOutgoing(peer)
        peerNetwork.connected()
      }
      return handle
    },
    expectPeers: (yes) => peerNetwork.expectPeers(yes),
    dialFailed: () => peerNetwork.dialFailed(),
    stats() {
      let sendQueueBytes = 0
      for (const peer of peers) {
        try {
          sendQueueBytes += peer.link.bufferedAmount()
        } catch {
          // reason: a transport closing under us; its queue is going away.
        }
      }
      return {
        peers: peers.size,
        dedup: dedup.size,
        routes: routes.size,
        subscriptionSouls: subscriptions.soulCount,
        subscriptions: subscriptions.entryCount,
        interest: interest.size,
        outbox: outbox.size,
        framesIn: counters.framesIn,
        framesOut: counters.framesOut,
        errorsSent: counters.errorsSent,
        duplicateLinksClosed: links.duplicateLinksClosed,
        dedupBytes: dedup.bytes,
        routeBytes: routes.bytes,
        interestBytes: interest.bytes,
        subscriptionBytes: subscriptions.byteCount,
        outboxBytes: outbox.bytes,
        sendQueueBytes,
        slowConsumersClosed: counters.slowConsumersClosed,
        relayLinksProven: links.relayLinksProven,
        relayProofsFailed: links.relayProofsFailed,
        repliesRefused: counters.repliesRefused,
        longIdsRefused: counters.longIdsRefused,
      }
    },
    catchUpStats: () => catchUp?.stats(),
    plug(link, plugOptions) {
      if (plugged !== undefined) throw new Error('The mesh has a plugins link already')
      const peer = new Peer('plugins', link, { outgoing: false }, limits, () => {})
      plugged = peer
      peerNetwork.plug(peer, plugOptions)
      return {
        peer,
        unplug() {
          if (plugged !== peer) return
          peer.closed = true
          plugged = undefined
          peerNetwork.plug(undefined)
        },
      }
    },
    setInbound(given) {
      inbound = given
    },
    admit(text, peer) {
      if (peer.closed || closed) return
      try {
        hearFrame(text, peer, (err) => log(`dropped a message from plugins (as from ${peer.name}): ${err}`))
      } catch (error) {
        // reason: no input may take the process down, plugins' included; a handler bug costs one message.
        log(`dropped a message from plugins (as from ${peer.name}): ${errorText(error)}`)
      }
    },
    close() {
      if (closed) return
      closed = true
      stopSweeper()
      catchUp?.close()
      if (plugged !== undefined) plugged.closed = true
      plugged = undefined
      peerNetwork.plug(undefined)
      unsubscribeChanges()
      for (const peer of [...peers]) closePeer(peer, 1001, 'closing')
      for (const route of routes.values()) expireRoute(route)
      routes.clear()
      peerNetwork.close()
    },
  }
}
