import type { Engine, Network, Origin } from '../core/engine-types.js'
import type { GraphNode } from '../core/node.js'
import { parseWireGraph, wireGraphText } from '../core/wire.js'
import { createBoundedMap } from './bounded-map.js'
import { decodeFrame } from './codec.js'
import { createDedup } from './dedup.js'
import { fairFor } from './fair.js'
import { createGetHandler } from './get-handler.js'
import { randomId } from './ids.js'
import { CLOSE_DUPLICATE, CLOSE_MOB, CLOSE_SELF, CLOSE_SLOW_CONSUMER, type Link } from './link.js'
import { errorText, field, isPlainObject, stringField, type WireMessage } from './message.js'
import { createOutbox, type OutboxEntry } from './outbox.js'
import { Peer, type PeerInfo } from './peer.js'
import { createPusher } from './push.js'
import { createPutHandler } from './put-handler.js'
import { createReplyHandler } from './reply-handler.js'
import { DEFAULT_LIMITS, type MeshLimits } from './limits.js'
import type { Route } from './routes.js'
import { createSubscriptions } from './subscriptions.js'

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
  const dedup = createDedup(limits.maxDedup, limits.dedupAgeMs)
  const routes = createBoundedMap<Route>({ max: limits.maxRoutes, ageMs: limits.routeAgeMs, onEvict: (_id, route) => expireRoute(route) })
  const subscriptions = createSubscriptions({
    maxPerPeer: limits.maxSubscriptionsPerPeer,
    maxEntries: limits.maxSubscriptions,
    maxKeysPerSoul: 64,
    maxKeyChars: limits.maxSoulChars,
  })
  // Souls this process read from peers: asked again after every (re)connect, as stock browsers do.
  const interest = createBoundedMap<true>({ max: limits.maxInterest, ageMs: Infinity })
  const outbox = createOutbox(limits.maxOutbox, limits.outboxTtlMs)
  const mergingReplies = new Map<string, Peer>()
  let framesIn = 0
  let framesOut = 0
  let errorsSent = 0
  let duplicateLinksClosed = 0
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
      nodes = parseWireGraph(put)
    } catch {
      return false
    }
    if (nodes.length === 0) return true
    try {
      await engine.put(nodes, { kind: 'peer', peer, id })
      return true
    } catch (error) {
      log(`merge from ${peer.name} failed: ${errorText(error)}`)
      return false
    }
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
    relayPeers,
    log,
  }

  // Fairness (src/mesh/fair.ts, docs/mesh.md "Fairness"): see the hook in `hear` below.
  const fair = fairFor(context)
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
    if (id.length > limits.maxIdChars) return
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
      case '?': {
        const theirPid = stringField(msg, 'pid')
        if (theirPid !== undefined && theirPid.length <= limits.maxIdChars) {
          peer.pid ??= theirPid
          if (theirPid === pid) {
            // We dialled ourselves (Gun's DAM self-detection): drop the loop, do not redial.
            closePeer(peer, CLOSE_SELF, 'connected to self')
            eventsOf.get(peer)?.onSelf?.()
            return
          }
          if (field(msg, 'relay') === true) peer.relay = true
          if (field(msg, 'oneLink') === true) peer.keepsOneLink = true
          // The answer to our greeting: the handshake is done on this link.
          if (field(msg, '@') !== undefined) return relayLinkReady(peer)
        }
        const answer: WireMessage = { '#': randomId(), dam: '?', pid, '@': id }
        if (relay && peer.outgoing) answer.relay = answer.oneLink = true
        send(peer, answer)
        // Answer first: the other relay learns this link is a relay link before we drop its duplicate.
        relayLinkReady(peer)
        return
      }
      case '!': {
        const err = stringField(msg, 'err')
        log(`peer ${peer.name} error notice: ${err?.slice(0, 200) ?? '(none)'}`)
        return
      }
      case 'mob': {
        const suggested = field(msg, 'peers')
        const urls = isPlainObject(suggested) ? Object.keys(suggested).filter((u) => /^(wss?|https?):\/\//.test(u)).slice(0, 32) : []
        eventsOf.get(peer)?.onMob?.(urls)
        return
      }
      default:
        return // `hi`, `opt`, `tag` and anything unknown: ignored, never relayed.
    }
  }

  // ---- connections ----
  const eventsOf = new WeakMap<Peer, PeerEvents>()

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
    if (isAcceptedRelayLink(peer) && peer.pid !== undefined) resumeDiallersOf(peer.pid)
  }

  // ---- one link between two relays that dial each other ----
  // Both learn the other's pid in the `?` handshake; the link dialled by the lower pid is kept. Only the
  // lower-pid relay closes anything — the link it accepted, and only while its own link is up — so the two
  // sides can never drop both links. The higher-pid relay's dialler stands by while the kept link is up.

  /** Diallers whose link was closed as a duplicate by the lower-pid relay `pid`; `standing` while its link to us is up. */
  const dedupedDialers = new Map<PeerEvents, { pid: string; standing: boolean }>()

  function isDialledRelayLink(peer: Peer): boolean {
    return relay && peer.outgoing && peer.relay
  }

  function isAcceptedRelayLink(peer: Peer): boolean {
    return relay && !peer.outgoing && peer.relay
  }

  function liveLinksTo(theirPid: string, kind: (peer: Peer) => boolean): Peer[] {
    const out: Peer[] = []
    for (const peer of peers) if (!peer.closed && peer.pid === theirPid && kind(peer)) out.push(peer)
    return out
  }

  /** A link's handshake is done: the lower pid drops the duplicate, the higher pid's diallers may stand by. */
  function relayLinkReady(peer: Peer): void {
    const theirPid = peer.pid
    if (!relay || !peer.relay || peer.closed || theirPid === undefined || theirPid === pid) return
    if (pid < theirPid) dropDuplicatesOf(peer, theirPid)
    else if (!peer.outgoing) standByDiallersOf(theirPid)
  }

  /**
   * We have the lower pid: keep the link we dialled, close any the other relay dialled to us — if it
   * said it stands by then (a relay that does not would redial at once, again and again).
   */
  function dropDuplicatesOf(peer: Peer, theirPid: string): void {
    if (peer.outgoing) {
      for (const duplicate of liveLinksTo(theirPid, isAcceptedRelayLink)) if (duplicate.keepsOneLink) closeDuplicate(duplicate)
    } else if (peer.keepsOneLink && liveLinksTo(theirPid, isDialledRelayLink).length > 0) {
      closeDuplicate(peer)
    }
  }

  function closeDuplicate(peer: Peer): void {
    duplicateLinksClosed++
    log(`closing ${peer.name}: relay ${peer.pid ?? '?'} is already linked by the link we dialled`)
    closePeer(peer, CLOSE_DUPLICATE, 'duplicate relay link')
  }

  /**
   * The lower-pid relay closed our dialled link as a duplicate. Stand by while its link to us is up; if
   * we cannot see that link yet, the dialler redials as usual and stands by once the link shows up.
   */
  function dialledLinkWasDuplicate(peer: Peer): void {
    const theirPid = peer.pid
    const events = eventsOf.get(peer)
    if (!isDialledRelayLink(peer) || theirPid === undefined || !(theirPid < pid) || events?.onStandby === undefined) return
    const dialer = { pid: theirPid, standing: false }
    dedupedDialers.set(events, dialer)
    if (liveLinksTo(theirPid, isAcceptedRelayLink).length > 0) standBy(events, dialer)
  }

  function standBy(events: PeerEvents, dialer: { standing: boolean }): void {
    dialer.standing = true
    events.onStandby?.()
  }

  function standByDiallersOf(theirPid: string): void {
    for (const [events, dialer] of dedupedDialers) if (dialer.pid === theirPid && !dialer.standing) standBy(events, dialer)
  }

  function resumeDiallersOf(theirPid: string): void {
    if (closed || liveLinksTo(theirPid, isAcceptedRelayLink).length > 0) return
    for (const [events, dialer] of dedupedDialers) {
      if (dialer.pid !== theirPid || !dialer.standing) continue
      dialer.standing = false
      events.onResume?.()
    }
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
      if (events !== undefined) dedupedDialers.delete(events)
      const peer = new Peer(`p${++peerCounter}`, link, info, limits, (slow) => closePeer(slow, CLOSE_SLOW_CONSUMER, 'send queue full'))
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
            for (const msg of decoded.messages) {
              if (peer.closed) return
              hearMessage(msg, peer, raw)
            }
          } catch (error) {
            // reason: no input may take the process down; a handler bug costs one message.
            log(`dropped a frame from ${peer.name}: ${errorText(error)}`)
          }
        },
        closed(code) {
          const closedByThem = !peer.closed
          detach(peer)
          if (closedByThem && code === CLOSE_DUPLICATE) dialledLinkWasDuplicate(peer)
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
        sendText(peer, JSON.stringify({ '#': randomId(), dam: '?', pid }))
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
        duplicateLinksClosed,
      }
    },
    close() {
      if (closed) return
      closed = true
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
