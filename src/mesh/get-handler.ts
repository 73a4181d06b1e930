import { GraphNode } from '../core/node.js'
import type { KeyRange } from '../core/storage-contract.js'
import { toWireGraph } from '../core/wire.js'
import { graphHash } from './hash.js'
import { randomId } from './ids.js'
import { keysWithin, nodeCost } from '../core/lex-page.js'
import { keySelector, lexBudget, soulSelector, type KeySelector } from './lex.js'
import type { RelayParts } from './mesh-role.js'
import type { MeshContext } from './mesh-types.js'
import { field, isPlainObject, type WireMessage } from './message.js'
import type { Peer } from './peer.js'
import { ReplyTask } from './reply-task.js'

/**
 * A GET from a peer: answer from memory or storage; on a relay (`relay`,
 * relay-reads.ts) also subscribe the asker, and pass the read on to relay
 * peers when we have nothing, or when we never asked them for that soul.
 * A LEX read over souls (`"#": {"*": …}`) is a one-shot read, bounded by
 * `maxLexSouls` and the GET's `%` budget: what we hold, and — on a relay —
 * what the relay peers hold, since no one of them can know it has it all.
 */
export function createGetHandler(mesh: MeshContext, relay: RelayParts | undefined) {
  const { engine, limits } = mesh
  const fair = mesh.work

  // Every GET costs its asker at least one key of its budget, found or not (a GET of a missing soul
  // still costs a read, a subscription, a route and answers).
  const notFound = (peer: Peer, ask: string) => {
    fair.charge(peer, 1)
    mesh.send(peer, { '#': randomId(), '@': ask })
  }
  const relayReads = relay?.reads(mesh, notFound)

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

  const answer = async (msg: WireMessage, get: Record<string, unknown>, selector: KeySelector, soul: string, ask: string, peer: Peer, firstAsk: boolean) => {
    let node = await readSelected(soul, selector)
    // Range keys come in lexical order (reversed on request): the page is the first ones that fit the budget.
    if (node !== undefined && selector.kind === 'range') node = keysWithin(node, budgetOf(get))
    if (peer.closed) return
    const found = node !== undefined && node.size > 0
    if (found) sendNodes(peer, ask, [node as GraphNode], field(msg, '##'))
    if (relayReads === undefined) {
      if (!found) notFound(peer, ask)
      return
    }
    if (firstAsk && (selector.kind === 'node' || selector.kind === 'key')) {
      const whole = selector.kind === 'node' ? node : await engine.read(soul)
      if (!peer.closed) relayReads.askBack(peer, soul, whole)
    }
    if (selector.kind !== 'invalid' && relayReads.forward(msg, get, ask, peer, found, soul)) return
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
    if (relayReads !== undefined && selector.kind !== 'invalid' && relayReads.forward(msg, get, ask, peer, found, undefined)) return
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
    const selector = keySelector(get)
    const firstAsk = relayReads?.subscribe(peer, soul, selector.kind === 'key' ? selector.key : undefined) ?? false
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
