import type { Engine, Network } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import { parseWireGraph, wireGraphText } from '../core/wire.js'
import { BatchTask } from './batch-task.js'
import { createBoundedMap } from './bounded-map.js'
import { decodeFrame } from './codec.js'
import { createDedup } from './dedup.js'
import { fairFor } from './fair.js'
import { createGetHandler } from './get-handler.js'
import { randomId } from './ids.js'
import { CLOSE_MOB, CLOSE_SLOW_CONSUMER, type Link } from './link.js'
import { errorText, field, isPlainObject, stringField, type WireMessage } from './message.js'
import { createOutbox, type OutboxEntry } from './outbox.js'
import { Peer, type PeerInfo } from './peer.js'
import { createPusher } from './push.js'
import { createRelayLinks } from './relay-links.js'
import { createPutHandler } from './put-handler.js'
import { createReplyHandler } from './reply-handler.js'
import { DEFAULT_LIMITS, type MeshLimits } from './limits.js'
import type { Route } from './routes.js'
import { createSubscriptions } from './subscriptions.js'
import { startSweeper, sweepInterval } from './sweeper.js'
import { createCatchUp, type CatchUp, type CatchUpOptions, type CatchUpStats } from './catch-up.js'

export interface MeshOptions {
  engine: Engine
  /** This process's id in the `?` handshake (random by default). */
  pid?: string
  /**
   * Relay mode: subscribe peers that GET a soul and push them its changes,
   * forward GETs to relay peers, replicate changes to relay peers. Clients
   * (browsers, app processes) leave it off: they only send their own writes.
   */
  relay?: boolean
  /** Ack incoming puts once durable. Default: relays, and peers with durable storage. */
  ackPuts?: boolean
  /** Relay URLs to suggest in a `mob` notice when over `limits.maxPeers`. */
  mobPeers?: () => string[]
  /**
   * The cluster's shared secret (relays): a relay that dials us proves it is one of ours with an
   * HMAC of our greeting's nonce (peer-proof.ts), and we prove it when we dial. Without it, an
   * accepted link is a relay peer only when a relay we dial vouches for it (docs/mesh.md, Peer roles).
   */
  peerSecret?: string
  /** Relays: catch up with relay peers through their change feeds (catch-up.ts); off when undefined. */
  catchUp?: CatchUpOptions
  limits?: Partial<MeshLimits>
  log?: (line: string) => void
}

/** Feed a connection's frames in; tell the mesh when it closes. */
export interface PeerHandle {
  readonly peer: Peer
  hear(text: string): void
  /** The connection is gone; `code` is the close code the other side sent, when known. */
  closed(code?: number): void
}

/**
 * What the mesh tells the transport that dialled a link. A dialler passes the
 * same object for every connection it makes, so standby outlives a link.
 */
export interface PeerEvents {
  /** A relay said it is full and named others (`mob`). */
  onMob?: (urls: string[]) => void
  /** The connection reached this very process. */
  onSelf?: () => void
  /**
   * Our dialled link was dropped as a duplicate: the relay at the other end
   * dialled us too, and its link is the one both sides keep. Do not redial
   * (cancel a pending redial) until `onResume`. Comes when the link closes,
   * or later, while redialling, once the other relay's link is up again.
   */
  onStandby?: () => void
  /** The link we stood by for is gone: dial again (after the usual backoff). */
  onResume?: () => void
}

export interface MeshStats {
  peers: number
  dedup: number
  routes: number
  subscriptionSouls: number
  subscriptions: number
  interest: number
  outbox: number
  framesIn: number
  framesOut: number
  errorsSent: number
  /** Relay links this mesh closed because the same two relays already had one (docs/mesh.md, Relay peering). */
  duplicateLinksClosed: number
  // Bytes held (characters of ids, souls, keys, JSON): see limits.ts for the bounds.
  dedupBytes: number
  routeBytes: number
  interestBytes: number
  subscriptionBytes: number
  outboxBytes: number
  /** Bytes accepted by sockets and not yet written, over all peers. */
  sendQueueBytes: number
  /** Connections closed because their send queue passed `maxQueueChars`. */
  slowConsumersClosed: number
  /** Accepted links proven to be relay peers (cluster secret, or vouched for by a relay we dial). */
  relayLinksProven: number
  /** Relay claims whose proof did not verify. */
  relayProofsFailed: number
  /** Replies from peers dropped because their data was not a valid graph. */
  repliesRefused: number
  /** Messages dropped because their id was longer than `maxIdChars`. */
  longIdsRefused: number
}

export interface Mesh {
  readonly pid: string
  readonly relay: boolean
  readonly network: Network
  readonly peers: ReadonlySet<Peer>
  connect(link: Link, info: PeerInfo, events?: PeerEvents): PeerHandle
  /** Peers are configured (dialled by a transport), connected or not: writes then wait for a peer's ack and are kept until one comes. */
  expectPeers(yes: boolean): void
  /** A dialled connection failed or was lost: reads stop waiting for a connection until one opens again. */
  dialFailed(): void
  stats(): MeshStats
  /** Catch-up between relays (undefined when off). */
  catchUpStats(): CatchUpStats | undefined
  close(): void
}

/** Internal surface shared by the message handlers. */
export interface MeshContext {
  readonly engine: Engine
  readonly pid: string
  readonly relay: boolean
  readonly ackPuts: boolean
  readonly limits: MeshLimits
  readonly peers: Set<Peer>
  readonly routes: ReturnType<typeof createBoundedMap<Route>>
  readonly subscriptions: ReturnType<typeof createSubscriptions>
  /** Replies being merged, by message id → the peer the reply is routed to (not pushed to again). */
  readonly mergingReplies: Map<string, Peer>
  send(peer: Peer, msg: WireMessage): void
  sendText(peer: Peer, text: string): void
  /** Merge a wire graph from a peer; resolves to false when it was invalid. */
  merge(put: unknown, peer: Peer, id: string): Promise<boolean>
  /** Merge graph nodes already validated; resolves to false when the engine refused them. */
  mergeNodes(nodes: GraphNode[], peer: Peer, id: string): Promise<boolean>
  /** A peer's reply carried data that is not a valid graph: counted and logged, never passed on. */
  refusedReply(peer: Peer, why: string): void
  relayPeers(except: Peer | undefined, hints: ReadonlySet<string> | undefined): Peer[]
  log(line: string): void
}

export function createMesh(options: MeshOptions): Mesh {
  const engine = options.engine
  const pid = options.pid ?? randomId(9)
  const relay = options.relay ?? false
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
  const mergingReplies = new Map<string, Peer>()
  let framesIn = 0
  let framesOut = 0
  let errorsSent = 0
  let slowConsumersClosed = 0
  let repliesRefused = 0
  let longIdsRefused = 0
  let peerCounter = 0
  let incoming = 0
  let closed = false

  const sendText = (peer: Peer, text: string) => {
    framesOut++
    peer.send(text)
  }
  const send = (peer: Peer, msg: WireMessage) => {
    const given = msg['#']
    const id = typeof given === 'string' ? given : randomId()
    msg['#'] = id
    // Replies and acks travel back along one route and are never relayed, so they need no dedup entry.
    if (msg['@'] === undefined) dedup.track(id)
    sendText(peer, JSON.stringify(msg))
  }

  const merge = async (put: unknown, peer: Peer, id: string): Promise<boolean> => {
    let nodes: GraphNode[]
    try {
      nodes = parseWireGraph(put, limits)
    } catch (error) {
      refusedReply(peer, errorText(error))
      return false
    }
    return mergeNodes(nodes, peer, id)
  }

  const mergeNodes = async (nodes: GraphNode[], peer: Peer, id: string): Promise<boolean> => {
    if (nodes.length === 0) return true
    try {
      await engine.put(nodes, { kind: 'peer', peer, id })
      return true
    } catch (error) {
      log(`merge from ${peer.name} failed: ${errorText(error)}`)
      return false
    }
  }

  const refusedReply = (peer: Peer, why: string) => {
    repliesRefused++
    log(`reply from ${peer.name} refused: ${why.slice(0, 200)}`)
  }

  const relayPeers = (except: Peer | undefined, hints: ReadonlySet<string> | undefined): Peer[] => {
    const out: Peer[] = []
    for (const peer of peers) {
      if (!peer.relay || peer === except || peer.closed) continue
      if (hints !== undefined && (hints.has(peer.name) || hints.has(peer.id) || (peer.pid !== undefined && hints.has(peer.pid)))) continue
      out.push(peer)
    }
    return out
  }

  const context: MeshContext = {
    engine,
    pid,
    relay,
    ackPuts,
    limits,
    peers,
    routes,
    subscriptions,
    mergingReplies,
    send,
    sendText,
    merge,
    mergeNodes,
    refusedReply,
    relayPeers,
    log,
  }

  // Fairness (src/mesh/fair.ts, docs/mesh.md "Fairness"): see the hook in `hear` below.
  const fair = fairFor(context)
  const sliceMessages = Math.max(1, limits.sliceMessages)
  // A full slice of messages ends the peer's slice, as `sliceChars` of frames would.
  const charsPerMessage = Math.ceil(Math.max(1, limits.sliceChars) / sliceMessages)
  const hearBatched = (msg: WireMessage, peer: Peer) => hearMessage(msg, peer, undefined)
  const handleGet = createGetHandler(context)
  const handlePut = createPutHandler(context)
  const handleReply = createReplyHandler(context, outbox)

  function expireRoute(route: Route): void {
    if (route.kind === 'fetch' || route.kind === 'forward') route.finish()
  }

  // ---- pushes: peer-origin changes go to subscribed peers and relay peers, never back to the sender ----
  const pushChanges = createPusher(context, dedup.track)
  const unsubscribeChanges = engine.onChange((changed, origin) => {
    // On a relay, its own writes (REST, CLI) are pushed like a peer's; storage replays are not news.
    if (!relay || origin.kind === 'storage' || changed.length === 0) return
    pushChanges(changed, origin)
  })

  // ---- one message ----
  function hearMessage(msg: WireMessage, peer: Peer, raw: string | undefined): void {
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

  function hearDam(dam: string, msg: WireMessage, id: string, peer: Peer): void {
    switch (dam) {
      case '?':
        return links.hearGreeting(msg, id, peer)
      case 'vouch':
        return links.hearVouch(msg, peer)
      case 'sync':
        return catchUp?.hear(msg, id, peer)
      case '!': {
        const err = stringField(msg, 'err')
        log(`peer ${peer.name} error notice: ${err?.slice(0, 200) ?? '(none)'}`)
        return
      }
      case 'mob': {
        const suggested = field(msg, 'peers')
        const urls = isPlainObject(suggested)
          ? Object.keys(suggested)
              .filter((u) => /^(wss?|https?):\/\//.test(u))
              .slice(0, 32)
          : []
        eventsOf.get(peer)?.onMob?.(urls)
        return
      }
      default:
        return // `hi`, `opt`, `tag` and anything unknown: ignored, never relayed.
    }
  }

  // ---- connections ----
  const eventsOf = new WeakMap<Peer, PeerEvents>()
  const links = createRelayLinks({
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
    relay && options.catchUp !== undefined ? createCatchUp({ engine, parse: (put) => parseWireGraph(put, limits), sendText, log }, options.catchUp) : undefined

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
  }

  /**
   * A message whose id is longer than `maxIdChars` is dropped (it could not be deduplicated or routed
   * safely), and the sender hears why — once per frame, however many such messages the frame held: a
   * `dam:'!'` notice naming the limit and the id's first `maxIdChars` characters, so a sender can match
   * it to the message it sent. No `@`: the id is not echoed whole (its sender chose its size).
   */
  const longIdNoticeFrame = new WeakMap<Peer, number>()
  function refuseLongId(peer: Peer, id: string): void {
    longIdsRefused++
    if (longIdNoticeFrame.get(peer) === peer.framesIn) return
    longIdNoticeFrame.set(peer, peer.framesIn)
    sendError(peer, `Message id too long: ${id.length} chars, at most ${limits.maxIdChars}; message dropped. Id begins: ${id.slice(0, limits.maxIdChars)}`)
  }

  function sendError(peer: Peer, err: string): void {
    errorsSent++
    send(peer, { '#': randomId(), dam: '!', err })
  }

  function greetOutgoing(peer: Peer): void {
    // Re-ask for everything we read before (catch-up), then resend unacknowledged writes.
    let count = 0
    for (const soul of interest.keys()) {
      if (count++ >= limits.maxResubscribe) break
      const id = randomId()
      routes.set(id, { kind: 'resubscribe' })
      peer.asked.add(soul)
      send(peer, { '#': id, get: { '#': soul } })
    }
    if (relay) {
      for (const soul of subscriptions.souls()) {
        if (count++ >= limits.maxResubscribe) break
        if (peer.asked.has(soul)) continue
        const id = randomId()
        routes.set(id, { kind: 'resubscribe' })
        peer.asked.add(soul)
        send(peer, { '#': id, get: { '#': soul } })
      }
    }
    for (const entry of outbox.entries()) sendPut(peer, entry, randomId())
  }

  function sendPut(peer: Peer, entry: OutboxEntry, id: string): void {
    routes.set(id, { kind: 'publish', entry })
    dedup.track(id)
    sendText(peer, putMessageText(id, entry.putText))
  }

  // Reads made while the first connection opens wait for it (see Network.ready); after a failure they do not.
  let offline = false
  const readyWaiters = new Set<(connected: boolean) => void>()
  const settleReady = (connected: boolean) => {
    for (const resolve of [...readyWaiters]) resolve(connected)
  }

  const countRelayPeers = () => {
    let n = 0
    for (const peer of peers) if (peer.relay && !peer.closed) n++
    return n
  }

  const network: Network = {
    // A relay asks only relay peers; its clients are not a source of truth for its reads or acks.
    get peerCount() {
      return relay ? countRelayPeers() : peers.size
    },
    get hasPeers() {
      return relay ? hasConfiguredPeers || countRelayPeers() > 0 : peers.size > 0 || hasConfiguredPeers
    },
    get writesNeedPeerAck() {
      return !relay && (peers.size > 0 || hasConfiguredPeers)
    },
    ready(timeoutMs) {
      if (network.peerCount > 0) return Promise.resolve(true)
      if (!hasConfiguredPeers || offline || closed) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const done = (connected: boolean) => {
          clearTimeout(timer)
          readyWaiters.delete(done)
          resolve(connected)
        }
        const timer = setTimeout(() => done(false), timeoutMs)
        readyWaiters.add(done)
      })
    },
    fetch(soul, key) {
      interest.set(soul, true)
      const asked = relay ? relayPeers(undefined, undefined) : [...peers].filter((p) => !p.closed)
      if (asked.length === 0) return Promise.resolve(false)
      return new Promise<boolean>((resolve) => {
        const id = randomId()
        const waiting = new Set(asked)
        let done = false
        const timer = setTimeout(() => finish(false), limits.readTimeoutMs)
        const finish = (answered: boolean) => {
          if (done) return
          done = true
          clearTimeout(timer)
          resolve(answered)
        }
        routes.set(id, {
          kind: 'fetch',
          waiting,
          answered: (peer) => {
            waiting.delete(peer)
            if (waiting.size === 0) finish(true)
          },
          finish: () => finish(false),
        })
        const get: Record<string, unknown> = { '#': soul }
        if (key !== undefined) get['.'] = key
        for (const peer of asked) {
          peer.asked.add(soul)
          send(peer, { '#': id, get })
        }
      })
    },
    publish(nodes, id, onAck) {
      // The outbox is also the route for this id's acks (resends after a reconnect get routes of their own).
      const entry: OutboxEntry = { id, putText: wireGraphText(nodes), onAck, createdAt: Date.now() }
      outbox.add(entry)
      dedup.track(id)
      const text = putMessageText(id, entry.putText)
      for (const peer of peers) if (!peer.closed) sendText(peer, text)
    },
  }

  // Set by transports that dial out (their writes are kept until acked, and they re-subscribe).
  let hasConfiguredPeers = false

  return {
    pid,
    relay,
    network,
    peers,
    connect(link, info, events) {
      if (info.outgoing) hasConfiguredPeers = true
      // The dialler has a link of its own again: the duplicate rule starts afresh on it.
      if (events !== undefined) links.dialling(events)
      const peer = new Peer(`p${++peerCounter}`, link, info, limits, (slow) => {
        if (!slow.closed) slowConsumersClosed++
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
          framesIn++
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
        offline = false
        settleReady(true)
      }
      return handle
    },
    expectPeers(yes) {
      hasConfiguredPeers = yes
    },
    dialFailed() {
      offline = true
      settleReady(false)
    },
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
        framesIn,
        framesOut,
        errorsSent,
        duplicateLinksClosed: links.duplicateLinksClosed,
        dedupBytes: dedup.bytes,
        routeBytes: routes.bytes,
        interestBytes: interest.bytes,
        subscriptionBytes: subscriptions.byteCount,
        outboxBytes: outbox.bytes,
        sendQueueBytes,
        slowConsumersClosed,
        relayLinksProven: links.relayLinksProven,
        relayProofsFailed: links.relayProofsFailed,
        repliesRefused,
        longIdsRefused,
      }
    },
    catchUpStats: () => catchUp?.stats(),
    close() {
      if (closed) return
      closed = true
      stopSweeper()
      catchUp?.close()
      unsubscribeChanges()
      for (const peer of [...peers]) closePeer(peer, 1001, 'closing')
      for (const route of routes.values()) expireRoute(route)
      routes.clear()
      settleReady(false)
    },
  }
}

/** `{"#":id,"put":…}` around a graph already in JSON text. */
function putMessageText(id: string, putText: string): string {
  return '{"#":' + JSON.stringify(id) + ',"put":' + putText + '}'
}
