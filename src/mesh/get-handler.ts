import { GraphNode } from '../core/node.js'
import type { KeyRange } from '../core/storage-contract.js'
import { toWireGraph } from '../core/wire.js'
import { graphHash } from './hash.js'
import { formatHints, parseHints } from './hints.js'
import { randomId } from './ids.js'
import { fairFor } from './fair.js'
import { keysWithin, nodeCost } from '../core/lex-page.js'
import { keySelector, lexBudget, soulSelector, type KeySelector } from './lex.js'
import type { MeshContext } from './mesh-types.js'
import { field, isPlainObject, type WireMessage } from './message.js'
import type { Peer } from './peer.js'
import { NodeHashTask } from './node-hash.js'
import { ReplyTask } from './reply-task.js'

/**
 * A GET from a peer: subscribe it (relays), answer from memory or storage,
 * and — on a relay — pass it on to relay peers when we have nothing, or
 * when this is the first time we ask them for that soul (so their later
 * changes are pushed to us, as a stock AXE relay subscribes its askers).
 * A LEX read over souls (`"#": {"*": …}`) is a one-shot read, bounded by
 * `maxLexSouls` and the GET's `%` budget: what we hold, and — on a relay —
 * what the relay peers hold, since no one of them can know it has it all.
 */
export function createGetHandler(mesh: MeshContext) {
  const { engine, limits, routes } = mesh

  const fair = fairFor(mesh)

  // Every GET costs its asker at least one key of its budget, found or not (a GET of a missing soul
  // still costs a read, a subscription, a route and answers).
  const notFound = (peer: Peer, ask: string) => {
    fair.charge(peer, 1)
    mesh.send(peer, { '#': randomId(), '@': ask })
  }

  /**
   * Replies carrying `nodes`. Up to `chunkKeys` keys go at once in one message; more are written by a
   * sliced task, one message of `chunkKeys` keys per step in the asker's turns (fair.ts), each naming the
   * next in `%`, so one peer's big read cannot hold the event loop.
   */
  const sendNodes = (peer: Peer, ask: string, nodes: GraphNode[], skipHash: unknown) => {
    const per = Math.max(1, limits.chunkKeys)
    let keys = 0
    for (const node of nodes) keys += node.size
    if (keys > per) return fair.task(peer, new ReplyTask(mesh, peer, ask, nodes, per))
    const put = toWireGraph(nodes)
    const hash = graphHash(put)
    // The asker already holds exactly this (its GET carried our hash): nothing to send.
    if (skipHash !== undefined && String(skipHash) === String(hash)) return
    fair.charge(peer, keys)
    mesh.sendText(peer, JSON.stringify({ '#': randomId(), '@': ask, '##': hash, put }))
  }

  /** What the GET's `.` selects of one soul: the node, one key of it, or its keys in a range. */
  const readSelected = async (soul: string, selector: KeySelector): Promise<GraphNode | undefined> => {
    if (selector.kind === 'invalid') return undefined
    if (selector.kind === 'range') return engine.readRange(soul, selector.range)
    const node = await engine.read(soul)
    return node !== undefined && selector.kind === 'key' ? pick(node, selector.key) : node
  }

  const budgetOf = (get: Record<string, unknown>) => lexBudget(get, limits.lexDefaultBytes, limits.lexMaxBytes)

  /** Pass a GET on to relay peers; their replies go back to the asker (reply-handler). `soul`: a one-soul GET, remembered as asked. */
  const forward = (
    msg: WireMessage,
    get: Record<string, unknown>,
    ask: string,
    asker: Peer,
    targets: Peer[],
    answeredLocally: boolean,
    soul: string | undefined,
  ) => {
    const waiting = new Set(targets)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (!route.gotData && !answeredLocally && !asker.closed) {
        notFound(asker, ask)
        // Data a relay peer sends after this (past the timeout) reaches the asker as a push (reply-handler).
        route.askerDone = true
      }
    }
    const timer = setTimeout(finish, limits.forwardTimeoutMs)
    const route = {
      kind: 'forward' as const,
      asker,
      waiting,
      gotData: false,
      askerDone: answeredLocally,
      answered(peer: Peer) {
        waiting.delete(peer)
        if (waiting.size === 0) finish()
      },
      finish,
    }
    routes.set(ask, route)
    const out: WireMessage = { '#': ask, get }
    const hash = field(msg, '##')
    if (hash !== undefined) out['##'] = hash
    const hints = formatHints(targets.map((p) => p.name))
    if (hints !== undefined) out['><'] = hints
    const text = JSON.stringify(out)
    for (const peer of targets) {
      if (soul !== undefined) {
        if (peer.asked.size >= limits.maxAskedPerPeer) peer.asked.clear()
        peer.asked.add(soul)
      }
      mesh.sendText(peer, text)
    }
  }

  /**
   * Ask a client that just subscribed to a soul for what it holds of it, with the hash of what we
   * hold: stock Gun sends no reply whose `##` equals the GET's, so a client in step costs one small
   * GET. One that differs answers; the merge pushes its news to the soul's other subscribers. This
   * is how writes a stock client made while it could not reach us get here: stock Gun never re-sends
   * them. Whole soul, whatever the client asked for: it may have written keys it never read.
   */
  const askBack = (peer: Peer, soul: string, node: GraphNode | undefined) => {
    const send = (hash: number | undefined) => {
      if (peer.closed) return
      const id = randomId()
      routes.set(id, { kind: 'resubscribe' })
      const out: WireMessage = { '#': id, get: { '#': soul } }
      if (hash !== undefined) out['##'] = hash
      mesh.send(peer, out)
    }
    if (node === undefined || node.size === 0) return send(undefined)
    // A big node's hash is computed a step at a time in the asker's turns (after its reply).
    if (node.size > limits.chunkKeys) return fair.task(peer, new NodeHashTask(node, send))
    send(graphHash(toWireGraph([node])))
  }

  const answer = async (msg: WireMessage, get: Record<string, unknown>, selector: KeySelector, soul: string, ask: string, peer: Peer, firstAsk: boolean) => {
    let node = await readSelected(soul, selector)
    // Range keys come in lexical order (reversed on request): the page is the first ones that fit the budget.
    if (node !== undefined && selector.kind === 'range') node = keysWithin(node, budgetOf(get))
    if (peer.closed) return
    const found = node !== undefined && node.size > 0
    if (found) sendNodes(peer, ask, [node as GraphNode], field(msg, '##'))
    if (firstAsk && (selector.kind === 'node' || selector.kind === 'key')) {
      const whole = selector.kind === 'node' ? node : await engine.read(soul)
      if (!peer.closed) askBack(peer, soul, whole)
    }
    if (mesh.relay && selector.kind !== 'invalid') {
      let targets = mesh.relayPeers(peer, parseHints(field(msg, '><')))
      if (found) targets = targets.filter((p) => !p.asked.has(soul))
      if (targets.length > 0) return forward(msg, get, ask, peer, targets, found, soul)
    }
    if (!found) notFound(peer, ask)
  }

  /**
   * A LEX read over souls: the matching souls in lexical order (reversed on
   * request), whole nodes (or what `.` selects of them) while they fit the
   * budget — at least one — in one reply set. A relay also forwards the read
   * to its relay peers (each answers from its own budget; their reply sets
   * reach the asker as they come, as any forwarded reply does) and says
   * "not found" only when nobody had a match. Never subscribed.
   */
  const answerSouls = async (msg: WireMessage, get: Record<string, unknown>, range: KeyRange, ask: string, peer: Peer) => {
    const selector = keySelector(get)
    const budget = budgetOf(get)
    const souls = selector.kind === 'invalid' ? [] : await engine.souls({ ...range, limit: limits.maxLexSouls })
    const nodes: GraphNode[] = []
    let spent = 0
    for (const soul of souls) {
      if (spent >= budget || peer.closed) break
      const node = await readSelected(soul, selector)
      if (node === undefined || node.size === 0) continue
      const cost = nodeCost(node, budget - spent)
      // The first node goes whatever its size, so a reader always makes progress.
      if (nodes.length > 0 && spent + cost > budget) break
      nodes.push(node)
      spent += cost
    }
    if (peer.closed) return
    const found = nodes.length > 0
    if (found) sendNodes(peer, ask, nodes, field(msg, '##'))
    if (mesh.relay && selector.kind !== 'invalid') {
      const targets = mesh.relayPeers(peer, parseHints(field(msg, '><')))
      if (targets.length > 0) return forward(msg, get, ask, peer, targets, found, undefined)
    }
    if (!found) notFound(peer, ask)
  }

  const failed = (what: string, peer: Peer, ask: string) => (error: unknown) => {
    mesh.log(`get ${what} failed: ${error instanceof Error ? error.message : String(error)}`)
    if (!peer.closed) notFound(peer, ask)
  }

  return (msg: WireMessage, get: unknown, id: string, peer: Peer): void => {
    if (!isPlainObject(get)) return
    if (!peer.gets.take()) {
      mesh.send(peer, { '#': randomId(), '@': id, err: 'Too many requests.' })
      return
    }
    const target = soulSelector(get, limits.maxSoulChars)
    // Answered "not found" rather than ignored, so the asker is not left waiting.
    if (target.kind === 'invalid') return notFound(peer, id)
    if (target.kind === 'range') {
      answerSouls(msg, get, target.range, id, peer).catch(failed('of a soul range', peer, id))
      return
    }
    const soul = target.soul
    // A client's first GET of this soul on this connection: its first read, or its re-read after a reconnect.
    const firstAsk = mesh.relay && !peer.relay && !peer.subscriptions.has(soul)
    const selector = keySelector(get)
    // Pushes follow what was asked: one key, or (a whole node, a key range) the whole soul.
    if (mesh.relay) mesh.subscriptions.add(peer, soul, selector.kind === 'key' ? selector.key : undefined)
    answer(msg, get, selector, soul, id, peer, firstAsk).catch(failed(soul, peer, id))
  }
}

function pick(node: GraphNode, key: string): GraphNode | undefined {
  const i = node.indexOf(key)
  if (i === -1) return undefined
  const out = new GraphNode(node.soul)
  out.set(key, node.values[i], node.states[i])
  return out
}
