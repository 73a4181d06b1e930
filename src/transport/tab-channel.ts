import type { Engine, Origin } from '../core/engine-types.js'
import type { ValidationLimits } from '../core/validate.js'
import { parseWireGraph, wireGraphText } from '../core/wire.js'
import { LEADER_TAB } from './tab-follower.js'

/**
 * Changes heard from another tab are in the shared storage already (it posts them once durable): merged as
 * storage's, so they are not stored again, nor posted again (storage's changes are not), nor sent to peers.
 */
const STORED: Origin = { kind: 'storage' }

/**
 * Live changes shared between instances of one origin (tabs, windows,
 * workers) that use the same channel `name` — the browser entries pass the
 * IndexedDB database's name, so tabs sharing a database see each other's
 * writes at once, with or without a relay. Each change is posted once it is
 * durable (the engine's change event), as wire `put` text: local writes, and
 * on the tab holding the relay connection (tab-leader.ts) what the relay
 * sent, so the other tabs need no connection of their own. A change heard
 * is validated and merged as storage's (origin `'storage'`: listeners fire,
 * nothing is stored or posted again, so nothing loops). Returns the stop.
 * Where BroadcastChannel is missing, nothing is shared.
 */
export function shareWithTabs(engine: Engine, name: string, limits: ValidationLimits): () => void {
  const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
  if (Channel === undefined) return () => {}
  const channel = new Channel(name)
  const unsubscribe = engine.onChange((changed, origin) => {
    // Local writes, and (on the leader tab) what the relay sent; not what came from other tabs.
    if (origin.kind === 'storage' || changed.length === 0) return
    if (origin.kind === 'peer' && origin.peer === LEADER_TAB) return
    channel.postMessage(wireGraphText(changed))
  })
  channel.onmessage = (event: MessageEvent) => {
    if (typeof event.data !== 'string') return
    let nodes
    try {
      nodes = parseWireGraph(JSON.parse(event.data), limits)
    } catch {
      // reason: another page of this origin posting something else on our channel name; not ours to act on.
      return
    }
    engine.put(nodes, STORED).catch(ignore)
  }
  return () => {
    unsubscribe()
    channel.close()
  }
}

const ignore = () => {}

/** The channel of the tabs sharing IndexedDB database `database`. */
export function tabChannelName(database: string): string {
  return `trellis:${database}`
}
