import type { Origin } from '../core/engine-types.js'
import { GraphNode } from '../core/node.js'
import { isLink } from '../core/types.js'
import { wireGraphText } from '../core/wire.js'
import { randomId } from './ids.js'
import type { MeshContext } from './mesh-types.js'
import { Peer } from './peer.js'
import { EVERY_KEY, type KeyInterest } from './subscriptions.js'

/**
 * A relay's pushes: a change the engine applied goes, as a new message
 * `{"#":new,"put":…}`, to every peer subscribed to it — the keys and souls
 * it subscribed to — and whole to every relay peer; never back to the peer
 * it came from, nor to the asker a reply is being routed to. Everyone who
 * gets the whole change shares one serialisation, whatever the fan-out.
 * `track` enters each new id in the dedup table, so a push that loops back
 * is dropped.
 */
export function createPusher(mesh: MeshContext, track: (id: string) => void) {
  const pushText = (nodes: GraphNode[]): string => {
    const id = randomId()
    track(id)
    return '{"#":' + JSON.stringify(id) + ',"put":' + wireGraphText(nodes) + '}'
  }

  return (changed: GraphNode[], origin: Origin): void => {
    const from = origin.kind === 'peer' ? origin.peer : undefined
    const asker = origin.kind === 'peer' && origin.id !== undefined ? mesh.mergingReplies.get(origin.id) : undefined
    // What each target gets: usually `changed` itself; its own list when it subscribed to some keys
    // of a soul, or to some souls of a multi-node change.
    const views = new Map<Peer, GraphNode[]>()
    for (const node of changed) {
      const subscribed = mesh.subscriptions.of(node.soul)
      if (subscribed === undefined) continue
      for (const peer of subscribed.keys()) {
        const keys = subscribed.get(peer) as KeyInterest
        const part = keys === EVERY_KEY ? node : onlyKeys(node, keys)
        if (part === undefined) continue
        const view = views.get(peer)
        if (view === undefined) views.set(peer, changed.length === 1 && part === node ? changed : [part])
        else if (view === changed) views.set(peer, [...changed, part])
        else view.push(part)
      }
    }
    // A subscriber of a node that now links to another node of the same change (`list.set(item)`: the list's
    // new link and the item) gets that node along: it would ask for it at once, one round trip later.
    if (changed.length > 1) {
      const bySoul = new Map<string, GraphNode>()
      for (const node of changed) bySoul.set(node.soul, node)
      for (const [peer, view] of views) if (view !== changed) views.set(peer, withLinked(view, bySoul))
    }
    // Relay peers get every change: they serve subscribers of their own.
    for (const peer of mesh.peers) if (peer.relay) views.set(peer, changed)
    if (from instanceof Peer) views.delete(from)
    if (asker !== undefined) views.delete(asker)
    let shared: string | undefined
    for (const peer of views.keys()) {
      if (peer.closed) continue
      const view = views.get(peer) as GraphNode[]
      if (view === changed || sameNodes(view, changed)) mesh.sendText(peer, (shared ??= pushText(changed)))
      else mesh.sendText(peer, pushText(view))
    }
  }
}

/** `view` and the nodes of the change its values link to (and theirs, in turn): a new list item, its parts. */
function withLinked(view: GraphNode[], bySoul: ReadonlyMap<string, GraphNode>): GraphNode[] {
  let out = view
  let included: Set<string> | undefined
  for (let v = 0; v < out.length; v++) {
    const values = out[v].values
    for (let i = 0; i < values.length; i++) {
      const value = values[i]
      if (!isLink(value)) continue
      const linked = bySoul.get(value['#'])
      if (linked === undefined) continue
      included ??= new Set(view.map((node) => node.soul))
      if (included.has(linked.soul)) continue
      included.add(linked.soul)
      if (out === view) out = [...view]
      out.push(linked)
    }
  }
  return out
}

/** The keys of `node` that are in `keys`; undefined when none is. */
function onlyKeys(node: GraphNode, keys: ReadonlySet<string>): GraphNode | undefined {
  let out: GraphNode | undefined
  for (let i = 0; i < node.keys.length; i++) {
    if (keys.has(node.keys[i])) (out ??= new GraphNode(node.soul)).set(node.keys[i], node.values[i], node.states[i])
  }
  return out
}

function sameNodes(a: readonly GraphNode[], b: readonly GraphNode[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
