import { GraphNode } from '../core/node.js'
import { toWireGraph } from '../core/wire.js'
import { graphHash } from './hash.js'
import { formatHints, parseHints } from './hints.js'
import { randomId } from './ids.js'
import { keySelector } from './lex.js'
import type { MeshContext } from './mesh.js'
import { field, isPlainObject, type WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * A GET from a peer: subscribe it (relays), answer from memory or storage,
 * and — on a relay — pass it on to relay peers when we have nothing, or
 * when this is the first time we ask them for that soul (so their later
 * changes are pushed to us, as a stock AXE relay subscribes its askers).
 */
export function createGetHandler(mesh: MeshContext) {
  const { engine, limits, routes } = mesh

  const notFound = (peer: Peer, ask: string) => mesh.send(peer, { '#': randomId(), '@': ask })

  const sendNode = (peer: Peer, ask: string, node: GraphNode, skipHash: unknown) => {
    const size = node.size
    const per = limits.chunkKeys
    const count = Math.max(1, Math.ceil(size / per))
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push(randomId())
    for (let i = 0; i < count; i++) {
      const part = count === 1 ? node : slice(node, i * per, Math.min(size, (i + 1) * per))
      const put = toWireGraph([part])
      const hash = graphHash(put)
      // The asker already holds exactly this (its GET carried our hash): nothing to send.
      if (count === 1 && skipHash !== undefined && String(skipHash) === String(hash)) return
      const reply: WireMessage = { '#': ids[i], '@': ask, '##': hash, put }
      if (i < count - 1) reply['%'] = ids[i + 1]
      mesh.send(peer, reply)
    }
  }

  const forward = (msg: WireMessage, get: Record<string, unknown>, ask: string, asker: Peer, targets: Peer[], answeredLocally: boolean, soul: string) => {
    const waiting = new Set(targets)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (!route.gotData && !answeredLocally && !asker.closed) notFound(asker, ask)
    }
    const timer = setTimeout(finish, limits.forwardTimeoutMs)
    const route = {
      kind: 'forward' as const,
      asker,
      waiting,
      gotData: false,
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
      if (peer.asked.size >= limits.maxAskedPerPeer) peer.asked.clear()
      peer.asked.add(soul)
      mesh.sendText(peer, text)
    }
  }

  const answer = async (msg: WireMessage, get: Record<string, unknown>, soul: string, ask: string, peer: Peer) => {
    const selector = keySelector(get)
    let node: GraphNode | undefined
    if (selector.kind === 'range') node = await engine.readRange(soul, selector.range)
    else if (selector.kind !== 'invalid') {
      node = await engine.read(soul)
      if (node !== undefined && selector.kind === 'key') node = pick(node, selector.key)
    }
    if (peer.closed) return
    const found = node !== undefined && node.size > 0
    if (found) sendNode(peer, ask, node as GraphNode, field(msg, '##'))
    if (mesh.relay && selector.kind !== 'invalid') {
      const hints = parseHints(field(msg, '><'))
      let targets = mesh.relayPeers(peer, hints)
      if (found) targets = targets.filter((p) => !p.asked.has(soul))
      if (targets.length > 0) return forward(msg, get, ask, peer, targets, found, soul)
    }
    if (!found) notFound(peer, ask)
  }

  return (msg: WireMessage, get: unknown, id: string, peer: Peer): void => {
    if (!isPlainObject(get)) return
    if (!peer.gets.take()) {
      mesh.send(peer, { '#': randomId(), '@': id, err: 'Too many requests.' })
      return
    }
    const soul = field(get, '#')
    if (typeof soul !== 'string' || soul === '' || soul.length > limits.maxSoulChars) {
      // Soul LEX reads (`"#": {"*": …}`) are not served: answered "not found" so the asker is not left waiting.
      notFound(peer, id)
      return
    }
    if (mesh.relay) mesh.subscriptions.add(peer, soul)
    answer(msg, get, soul, id, peer).catch((error: unknown) => {
      mesh.log(`get ${soul} failed: ${error instanceof Error ? error.message : String(error)}`)
      if (!peer.closed) notFound(peer, id)
    })
  }
}

function pick(node: GraphNode, key: string): GraphNode | undefined {
  const i = node.indexOf(key)
  if (i === -1) return undefined
  const out = new GraphNode(node.soul)
  out.set(key, node.values[i], node.states[i])
  return out
}

function slice(node: GraphNode, from: number, to: number): GraphNode {
  const out = new GraphNode(node.soul)
  for (let i = from; i < to; i++) out.set(node.keys[i], node.values[i], node.states[i])
  return out
}
