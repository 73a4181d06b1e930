import type { GraphNode } from '../node.js'
import { inRange, type KeyRange } from '../storage-contract.js'
import { isLink, type Value } from '../types.js'
import { plainValue } from '../user-space.js'
import type { ChainPath } from './path.js'
import { resolve } from './resolve.js'
import type { Root } from './root.js'

/**
 * What one slot of a live chain holds now. A node's content is re-sent whenever the node changes;
 * below a LEX step (`get({'.': …})`) only the keys inside `range` are part of it.
 */
type Content = { kind: 'node'; soul: string; diff?: GraphNode; range?: KeyRange } | { kind: 'value'; value: Value } | { kind: 'missing' }

/**
 * Receives every change of a live chain. A slot names one place the chain
 * reaches (a `map()` reaches many); `key` is the key that led there.
 */
export type Sink = (slot: string, key: string, content: Content) => void

/** Follow a chain live: the same resolution as a read, kept up to date. Returns the stop function. */
export function observe(root: Root, chain: ChainPath, sink: Sink): () => void {
  const step = chain.step
  switch (step.kind) {
    case 'root':
      return () => {}
    case 'soul':
      return observeSoul(root, step.soul, step.soul, step.soul, sink)
    case 'key':
      return observeChildren(root, chain.parent as ChainPath, step.key, sink)
    case 'map':
      if (step.snapshot === true) return observeSnapshot(root, chain.parent as ChainPath, sink)
      return observeChildren(root, chain.parent as ChainPath, undefined, sink)
    case 'lex':
      return observeRange(root, chain.parent as ChainPath, step.range, sink)
  }
}

/** `get({'.': …})` live: the parent's node, heard again only when a key inside the range changed. */
function observeRange(root: Root, parent: ChainPath, range: KeyRange, sink: Sink): () => void {
  return observe(root, parent, (slot, key, content) => {
    if (content.kind === 'value') return sink(slot, key, { kind: 'missing' })
    if (content.kind === 'missing') return sink(slot, key, content)
    const diff = content.diff
    if (diff !== undefined && !diff.keys.some((changed) => inRange(changed, range))) return
    sink(slot, key, { kind: 'node', soul: content.soul, diff, range })
  })
}

/** `once().map()`: the items of the nodes the parent reaches as read once (later keys are not added), each followed live. */
function observeSnapshot(root: Root, parent: ChainPath, sink: Sink): () => void {
  let stopped = false
  const stops: (() => void)[] = []
  resolve(root, parent).then(
    (parents) => {
      if (stopped) return
      for (const holder of parents) {
        const node = holder.node
        if (node === undefined) continue
        for (let i = 0; i < node.keys.length; i++) {
          const key = node.keys[i]
          const value = plainValue(node.soul, node.values[i])
          const slot = `${node.soul}\u0000${key}`
          if (value !== undefined && isLink(value)) stops.push(observeSoul(root, value['#'], slot, key, sink))
          else if (value !== undefined) sink(slot, key, { kind: 'value', value })
        }
      }
    },
    () => undefined,
  )
  return () => {
    stopped = true
    for (const stop of stops) stop()
  }
}

function observeSoul(root: Root, soul: string, slot: string, key: string, sink: Sink): () => void {
  let stopped = false
  const emit = (diff?: GraphNode) => {
    if (stopped) return
    const node = root.engine.peek(soul)
    sink(slot, key, node === undefined ? { kind: 'missing' } : { kind: 'node', soul, diff })
  }
  const unwatch = root.engine.watch(soul, emit)
  // Known locally: show it at once; then again once storage and peers have answered.
  if (root.engine.peek(soul) !== undefined) queueMicrotask(() => emit())
  // Not patient: what plugins bring later reaches the watch above, so a subscriber does not wait for it.
  root.load(soul, false).then(
    () => emit(),
    () => emit(),
  )
  return () => {
    stopped = true
    unwatch()
  }
}

interface ChildSlot {
  linkSoul: string | undefined
  stopLink: (() => void) | undefined
  /** 'missing', or `v<state>` for the value last sent, or 'link'. */
  last: string | undefined
  lastValue: Value | undefined
}

interface ParentSlot {
  soul: string | undefined
  children: Map<string, ChildSlot>
}

/** Children of every node the parent chain reaches: one key (`get(key)`) or all keys (`map()`). */
function observeChildren(root: Root, parent: ChainPath, onlyKey: string | undefined, sink: Sink): () => void {
  const parents = new Map<string, ParentSlot>()

  const update = (slot: string, child: ChildSlot, key: string, value: Value | undefined, state: number) => {
    if (value !== undefined && isLink(value)) {
      const soul = value['#']
      if (child.linkSoul === soul) return
      child.stopLink?.()
      child.linkSoul = soul
      child.last = 'link'
      child.stopLink = observeSoul(root, soul, slot, key, sink)
      return
    }
    if (child.stopLink !== undefined) {
      child.stopLink()
      child.stopLink = undefined
      child.linkSoul = undefined
    }
    if (value === undefined) {
      if (child.last === 'missing') return
      child.last = 'missing'
      sink(slot, key, { kind: 'missing' })
      return
    }
    const mark = `v${state}`
    if (child.last === mark && child.lastValue === value) return
    child.last = mark
    child.lastValue = value
    sink(slot, key, { kind: 'value', value })
  }

  const childOf = (parentSlot: string, holder: ParentSlot, key: string): [string, ChildSlot] => {
    const slot = `${parentSlot}\u0000${key}`
    let child = holder.children.get(key)
    if (child === undefined) {
      child = { linkSoul: undefined, stopLink: undefined, last: undefined, lastValue: undefined }
      holder.children.set(key, child)
    }
    return [slot, child]
  }

  const stopParent = observe(root, parent, (parentSlot, _parentKey, content) => {
    let holder = parents.get(parentSlot)
    if (holder === undefined) parents.set(parentSlot, (holder = { soul: undefined, children: new Map() }))
    if (content.kind !== 'node') {
      holder.soul = undefined
      if (onlyKey !== undefined) {
        const [slot, child] = childOf(parentSlot, holder, onlyKey)
        update(slot, child, onlyKey, undefined, -Infinity)
      }
      return
    }
    const node = root.engine.peek(content.soul)
    if (node === undefined) return
    const fresh = holder.soul !== content.soul
    holder.soul = content.soul
    const range = content.range
    if (onlyKey !== undefined) {
      const [slot, child] = childOf(parentSlot, holder, onlyKey)
      if (range !== undefined && !inRange(onlyKey, range)) update(slot, child, onlyKey, undefined, -Infinity)
      else update(slot, child, onlyKey, plainValue(node.soul, node.get(onlyKey)), node.stateOf(onlyKey))
      return
    }
    const keys = fresh || content.diff === undefined ? node.keys : content.diff.keys
    for (const key of keys) {
      if (range !== undefined && !inRange(key, range)) continue
      const [slot, child] = childOf(parentSlot, holder, key)
      update(slot, child, key, plainValue(node.soul, node.get(key)), node.stateOf(key))
    }
  })

  return () => {
    stopParent()
    for (const holder of parents.values()) for (const child of holder.children.values()) child.stopLink?.()
    parents.clear()
  }
}
