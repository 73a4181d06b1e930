import type { Engine } from '../core/engine-types.js'
import { wins } from '../core/ham.js'
import { nodeBytes } from '../core/memory-bound.js'
import type { GraphNode } from '../core/node.js'
import type { ChangePage } from '../core/storage-contract.js'
import { wireGraphText } from '../core/wire.js'
import { randomId } from './ids.js'
import { errorText, field, isPlainObject, stringField, type WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * Catch-up between relays (docs/mesh.md, "Catch-up between relays"):
 * anti-entropy over each relay link by the other relay's change feed
 * (StorageAdapter.changes). Live pushes are lost to a partition, a crash or
 * a dropped frame; this recovers them without anyone reading the souls.
 *
 * Once a link is a relay link on our side (we dialled the relay, or it
 * proved itself), we ask the relay for its feed since the cursor we hold for
 * its pid: `{"#":id,"dam":"sync","since":cursor}` (a dam stock Gun relays
 * ignore). It answers one page: `{"#":..,"@":id,"dam":"sync","put":graph,
 * "next":cursor,"done":bool}`, or `"err"` (not a relay link to it, no feed).
 * We validate the page like any put, merge it with the link as origin (so it
 * is pushed on to our subscribers and other relays), wait until it is
 * durable, record `next` for that pid, and ask for the next page until
 * `done`. One request in flight per relay pid (flow control and fairness:
 * the asker paces the answerer); a pass runs on every (re)connect and then
 * every `intervalMs` while linked. A relay answers only links it holds for
 * relays, one page at a time per link, of at most `pageBytes` of records.
 * No sockets, no files: cursors live in a `CursorStore` the server persists.
 */

export interface CursorStore {
  /** The cursor kept for the relay `pid`, if any. */
  get(pid: string): string | undefined
  /** Called only after the data the cursor covers is durable here. */
  set(pid: string, cursor: string): void
}

/** Catch-up between relays: each pulls the other's change feed from a cursor, so writes made while a link was down arrive. */
export interface CatchUpOptions {
  /** This relay's change feed; without one, requests are answered with an error (memory-only relays may still serve one). */
  feed?: (since: string | undefined, maxBytes: number) => Promise<ChangePage>
  /** Where cursors are kept (default: memory, bounded by `maxCursors`). */
  cursors?: CursorStore
  /** Record bytes per page we serve. Default 256 KiB. */
  pageBytes?: number
  /** A new pass per relay link this often (ms); 0 = only on (re)connect. Default 30 s. */
  intervalMs?: number
  /** An unanswered request is given up after this long (a stock Gun relay never answers). Default 30 s. */
  requestTimeoutMs?: number
  /** While another link to the same relay is mid-pass (a duplicate being closed), look again this soon. Default 1 s. */
  retryMs?: number
  /** Cursors held in memory by the default store, and relays listed in `lastCatchUp`. Default 1000. */
  maxCursors?: number
}

export interface CatchUpContext {
  readonly engine: Engine
  /** Validate a wire graph as any put from a peer is (throws when invalid). */
  parse(put: unknown): GraphNode[]
  sendText(peer: Peer, text: string): void
  log(line: string): void
}

export interface CatchUpStats {
  pagesReceived: number
  /** Estimated bytes of the nodes received in pages (core/memory-bound.ts nodeBytes). */
  bytesReceived: number
  nodesReceived: number
  pagesServed: number
  bytesServed: number
  passesCompleted: number
  requestsTimedOut: number
  pagesRefused: number
  /** Nodes of pages dropped because this relay refuses them (limits, horizon, verify hook). */
  nodesRefused: number
  /** Per relay pid: when its last pass completed (ms since the epoch). */
  lastCatchUp: Map<string, number>
}

export interface CatchUp {
  /** A relay link's handshake is done on our side: start a pass. Idempotent. */
  linkReady(peer: Peer): void
  /** A `dam:"sync"` message. */
  hear(msg: WireMessage, id: string, peer: Peer): void
  detached(peer: Peer): void
  stats(): CatchUpStats
  close(): void
}

const MAX_CURSOR_CHARS = 256
const REFUSED_NOT_RELAY = 'not a relay link'

interface LinkState {
  peer: Peer
  pid: string
  /** The id of our request in flight, or 'merging' while a page is merged, or undefined when idle. */
  inflight: string | undefined
  merging: boolean
  sentAt: number
  /** When the next pass is due (idle links). */
  nextAt: number
  /** Our last request was refused as "not a relay link": asked again as soon as they ask us (they proved us). */
  refused: boolean
  /** They asked us for our feed since our request in flight was sent (so they hold our link for a relay's now). */
  askedUs: boolean
}

export function createCatchUp(context: CatchUpContext, options: CatchUpOptions = {}): CatchUp {
  const pageBytes = options.pageBytes ?? 256 * 1024
  const intervalMs = options.intervalMs ?? 30_000
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000
  const retryMs = options.retryMs ?? 1000
  const maxPids = options.maxCursors ?? 1000
  const cursors = options.cursors ?? memoryCursors(maxPids)
  const feed = options.feed
  const links = new Map<Peer, LinkState>()
  /** Pids with a pass in progress (two links to one relay share its cursor: one pass at a time). */
  const passing = new Map<string, LinkState>()
  const serving = new WeakSet<Peer>()
  const stats: CatchUpStats = {
    pagesReceived: 0,
    bytesReceived: 0,
    nodesReceived: 0,
    pagesServed: 0,
    bytesServed: 0,
    passesCompleted: 0,
    requestsTimedOut: 0,
    pagesRefused: 0,
    nodesRefused: 0,
    lastCatchUp: new Map(),
  }
  let closed = false

  // One unref'd timer drives due passes and request timeouts for every link.
  const tickMs = Math.max(20, Math.min(1000, intervalMs > 0 ? intervalMs / 4 : 1000, retryMs, requestTimeoutMs / 2))
  const timer = setInterval(tick, tickMs)
  timer.unref?.()

  function tick(): void {
    const now = Date.now()
    for (const st of links.values()) {
      if (st.peer.closed) continue
      if (st.inflight !== undefined && !st.merging && now - st.sentAt >= requestTimeoutMs) {
        stats.requestsTimedOut++
        endPass(st, intervalMs > 0 ? intervalMs : requestTimeoutMs)
      }
      if (st.inflight === undefined && now >= st.nextAt) startPass(st)
    }
  }

  function startPass(st: LinkState): void {
    if (closed || st.peer.closed || st.inflight !== undefined) return
    const other = passing.get(st.pid)
    if (other !== undefined && other !== st && !other.peer.closed) {
      // Another link to the same relay is mid-pass (two links while one is being closed as a duplicate):
      // look again soon; if that link goes, detached() hands the pass over at once.
      st.nextAt = Date.now() + retryMs
      return
    }
    passing.set(st.pid, st)
    request(st)
  }

  function request(st: LinkState): void {
    const id = randomId()
    st.inflight = id
    st.merging = false
    st.askedUs = false
    st.sentAt = Date.now()
    const msg: WireMessage = { '#': id, dam: 'sync' }
    const since = cursors.get(st.pid)
    if (since !== undefined) msg.since = since
    context.sendText(st.peer, JSON.stringify(msg))
  }

  function endPass(st: LinkState, againInMs: number): void {
    st.inflight = undefined
    st.merging = false
    if (passing.get(st.pid) === st) passing.delete(st.pid)
    st.nextAt = againInMs > 0 ? Date.now() + againInMs : Infinity
  }

  // ---- answering side ----
  function serve(msg: WireMessage, id: string, peer: Peer): void {
    const refuse = (err: string) => context.sendText(peer, JSON.stringify({ '#': randomId(), '@': id, dam: 'sync', err }))
    // Only relays get our feed: a client reads souls by GET, one at a time, under its budgets.
    if (!peer.relay) return refuse(REFUSED_NOT_RELAY)
    if (feed === undefined) return refuse('no change feed (memory-only relay)')
    // One page at a time per link: a second request while one is read is dropped (the asker never sends one).
    if (serving.has(peer)) return
    // They ask us, so they hold this link for a relay's now: if they refused us before, ask again.
    const mine = links.get(peer)
    if (mine !== undefined) mine.askedUs = true
    if (mine?.refused && mine.inflight === undefined) {
      mine.refused = false
      startPass(mine)
    }
    const given = stringField(msg, 'since')
    const since = given !== undefined && given.length <= MAX_CURSOR_CHARS ? given : undefined
    serving.add(peer)
    feed(since, pageBytes).then(
      (page) => {
        serving.delete(peer)
        if (peer.closed || closed) return
        const text =
          '{"#":' +
          JSON.stringify(randomId()) +
          ',"@":' +
          JSON.stringify(id) +
          ',"dam":"sync","next":' +
          JSON.stringify(page.next) +
          ',"done":' +
          (page.done ? 'true' : 'false') +
          ',"put":' +
          wireGraphText(oneNodePerSoul(page.nodes)) +
          '}'
        stats.pagesServed++
        stats.bytesServed += text.length
        context.sendText(peer, text)
      },
      (error: unknown) => {
        serving.delete(peer)
        context.log(`catch-up: reading the change feed for ${peer.name} failed: ${errorText(error)}`)
        if (!peer.closed && !closed) refuse('change feed unavailable')
      },
    )
  }

  // ---- asking side ----
  function answered(msg: WireMessage, re: string, peer: Peer, id: string): void {
    const st = links.get(peer)
    if (st === undefined || st.inflight !== re || st.merging) return
    const err = stringField(msg, 'err')
    if (err !== undefined) {
      // Not proven to them (yet: their check may still be running, or they cannot prove us at all). No retry
      // loop: the moment they prove our link they ask us for our feed, and that request makes us ask again
      // (serve()); otherwise the next interval does.
      if (err === REFUSED_NOT_RELAY) {
        // Their request can overtake this refusal (they proved our link after refusing us, then asked us
        // before the refusal got here): it found nothing refused to restart, so ask again now.
        if (st.askedUs) {
          endPass(st, intervalMs)
          return startPass(st)
        }
        st.refused = true
      } else context.log(`catch-up: ${peer.name} refused: ${err.slice(0, 200)}`)
      return endPass(st, intervalMs)
    }
    const next = stringField(msg, 'next')
    const done = field(msg, 'done') === true
    if (next === undefined || next.length > MAX_CURSOR_CHARS) {
      stats.pagesRefused++
      context.log(`catch-up: page from ${peer.name} refused: no valid cursor`)
      return endPass(st, intervalMs)
    }
    // Each node is validated on its own: one the relay's limits refuse (a longer value than we allow,
    // say) is dropped and counted, the rest are merged — else one such node would stall the feed here.
    const nodes: GraphNode[] = []
    const put = field(msg, 'put')
    if (isPlainObject(put)) {
      let refused = 0
      for (const soul of Object.keys(put)) {
        try {
          for (const node of context.parse({ [soul]: put[soul] })) nodes.push(node)
        } catch (error) {
          if (refused++ === 0) context.log(`catch-up: a node from ${peer.name} refused: ${errorText(error).slice(0, 200)}`)
        }
      }
      stats.nodesRefused += refused
    } else if (put !== undefined) {
      stats.pagesRefused++
      context.log(`catch-up: page from ${peer.name} refused: not a graph`)
      return endPass(st, intervalMs)
    }
    stats.pagesReceived++
    stats.nodesReceived += nodes.length
    for (const node of nodes) stats.bytesReceived += nodeBytes(node)
    st.merging = true
    const merged = mergePage(nodes, peer, id)
    merged.then(
      () => {
        if (closed) return
        // Merged and durable: the cursor may advance, even if the link went meanwhile.
        cursors.set(st.pid, next as string)
        if (st.inflight !== re) return
        if (!done && !peer.closed) return request(st)
        if (done) {
          stats.passesCompleted++
          stats.lastCatchUp.delete(st.pid)
          stats.lastCatchUp.set(st.pid, Date.now())
          if (stats.lastCatchUp.size > maxPids) stats.lastCatchUp.delete(stats.lastCatchUp.keys().next().value as string)
        }
        endPass(st, intervalMs)
      },
      (error: unknown) => {
        if (st.inflight !== re) return
        context.log(`catch-up: merging a page from ${peer.name} failed: ${errorText(error)}`)
        endPass(st, intervalMs > 0 ? intervalMs : retryMs)
      },
    )
  }

  /**
   * Merge a page and wait until it is durable. Refusals of data (a state past our horizon, a verify
   * hook) drop that node only (retried one by one, counted); storage and queue refusals (disk, quota,
   * a full deferral queue) reject: the pass stops without moving the cursor and runs again later.
   */
  async function mergePage(nodes: GraphNode[], peer: Peer, id: string): Promise<void> {
    if (nodes.length === 0) return
    const origin = { kind: 'peer' as const, peer, id }
    try {
      await (await context.engine.put(nodes, origin)).durable
      return
    } catch (error) {
      if (!refusesData(error) || nodes.length === 1) {
        if (!refusesData(error)) throw error
        stats.nodesRefused++
        return
      }
    }
    for (const node of nodes) {
      try {
        await (await context.engine.put([node], origin)).durable
      } catch (error) {
        if (!refusesData(error)) throw error
        stats.nodesRefused++
        context.log(`catch-up: a node from ${peer.name} refused: ${errorText(error).slice(0, 200)}`)
      }
    }
  }

  return {
    linkReady(peer) {
      if (closed || !peer.relay || peer.closed || peer.pid === undefined) return
      let st = links.get(peer)
      if (st === undefined) {
        st = { peer, pid: peer.pid, inflight: undefined, merging: false, sentAt: 0, nextAt: 0, refused: false, askedUs: false }
        links.set(peer, st)
      }
      if (st.inflight === undefined) startPass(st)
    },
    hear(msg, id, peer) {
      if (closed) return
      const re = stringField(msg, '@')
      if (re === undefined) serve(msg, id, peer)
      else answered(msg, re, peer, id)
    },
    detached(peer) {
      const st = links.get(peer)
      if (st === undefined) return
      links.delete(peer)
      st.inflight = undefined
      if (passing.get(st.pid) !== st) return
      passing.delete(st.pid)
      // The pass died with its link: another live link to the same relay takes it over now.
      for (const other of links.values()) if (other.pid === st.pid && !other.peer.closed && other.inflight === undefined) return startPass(other)
    },
    stats: () => stats,
    close() {
      closed = true
      clearInterval(timer)
      links.clear()
      passing.clear()
    },
  }
}

/** An error about the data itself (bad value, state past the horizon, a verify hook), not the store. */
function refusesData(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code.startsWith('INVALID_') || code === 'UNVERIFIED' || code === 'ROOT_NOT_NODE')
}

/**
 * A wire graph is an object keyed by soul: a page naming a soul twice (the log's feed gives each
 * entry of a soul, in commit order) must be merged first, or JSON keeps only the last. Merged by HAM,
 * not by order: a page may hold a compaction output (old data) after newer entries.
 */
function oneNodePerSoul(nodes: readonly GraphNode[]): readonly GraphNode[] {
  const bySoul = new Map<string, GraphNode>()
  let merged: Map<string, GraphNode> | undefined
  for (const node of nodes) {
    const held = bySoul.get(node.soul)
    if (held === undefined) {
      bySoul.set(node.soul, node)
      continue
    }
    merged ??= new Map()
    let target = merged.get(node.soul)
    if (target === undefined) {
      target = held.clone()
      merged.set(node.soul, target)
      bySoul.set(node.soul, target)
    }
    for (let i = 0; i < node.keys.length; i++) {
      const at = target.indexOf(node.keys[i])
      if (at === -1 || wins(node.states[i], node.values[i], target.states[at], target.values[at])) target.set(node.keys[i], node.values[i], node.states[i])
    }
  }
  return merged === undefined ? nodes : [...bySoul.values()]
}

/** Cursors in memory, the oldest-set dropped past `max` (a dropped cursor costs a full resend, never data). */
export function memoryCursors(max: number): CursorStore & { entries(): IterableIterator<[string, string]> } {
  const map = new Map<string, string>()
  return {
    get: (pid) => map.get(pid),
    set(pid, cursor) {
      map.delete(pid)
      map.set(pid, cursor)
      while (map.size > max) map.delete(map.keys().next().value as string)
    },
    entries: () => map.entries(),
  }
}
