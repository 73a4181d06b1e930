import { sliceNode } from '../lex-page.js'
import type { GraphNode } from '../node.js'
import { inRange, type KeyRange } from '../storage-contract.js'
import { isLink, setOwn, type Value } from '../types.js'
import { plainValue } from '../user-space.js'
import { observe } from './observe.js'
import type { ChainPath } from './path.js'
import type { Root } from './root.js'

/** Options of `open()` / `load()`, as stock's lib/open.js reads them, plus a size bound of ours. */
export interface OpenOptions {
  /** Levels of nodes opened (1: only this node, its links left as `{'#': soul}`). Default: no limit but `maxNodes`. */
  depth?: number
  /** Most nodes one tree opens; links past it are left as `{'#': soul}`. Default 10 000. */
  maxNodes?: number
  /** Milliseconds a burst of changes is gathered before the tree is delivered again (stock: 9). */
  wait?: number
  /** Keep each node's `_` metadata in the tree (stock's `meta`). */
  meta?: boolean
}

/** Hears a whole tree: a nested copy of the subtree (cycles become shared objects), or a value; undefined when nothing is there (load only). */
export type TreeListener = (tree: unknown, key: string) => void

const DEFAULT_MAX_NODES = 10_000
const DEFAULT_WAIT_MS = 9

type Top = { kind: 'node'; soul: string; range: KeyRange | undefined } | { kind: 'value'; value: Value } | { kind: 'missing' }

/** One place the chain reaches (a `map()` reaches many) and the tree under it. */
interface Slot {
  key: string
  top: Top | undefined
  /** Souls the last build reached, each watched so a change anywhere in the tree is heard. */
  watched: Map<string, () => void>
  /** Souls not in memory when reached: true once read from storage and peers (asked once, not once per build). */
  asked: Map<string, boolean>
  timer: ReturnType<typeof setTimeout> | undefined
  done: boolean
}

/**
 * Stock's `open(cb)` (`once`: its `load(cb)`): the subtree under each place a chain reaches, as
 * one nested object, delivered when every node reached has been read (memory, storage, peers) and
 * again after changes anywhere in it. Bounded: a node reached twice (graphs may be cyclic) is the
 * same object, and at most `depth` levels and `maxNodes` nodes are opened. Returns the stop function.
 */
export function openTree(root: Root, chain: ChainPath, listener: TreeListener, options: OpenOptions, once: boolean): () => void {
  const engine = root.engine
  const maxDepth = options.depth !== undefined && options.depth >= 1 ? options.depth : Infinity
  const maxNodes = options.maxNodes !== undefined && options.maxNodes >= 1 ? options.maxNodes : DEFAULT_MAX_NODES
  const wait = options.wait !== undefined && options.wait >= 0 ? options.wait : DEFAULT_WAIT_MS
  const meta = options.meta === true
  const slots = new Map<string, Slot>()
  let stopped = false

  const schedule = (slot: Slot) => {
    if (slot.done || stopped || slot.timer !== undefined) return
    slot.timer = setTimeout(() => {
      slot.timer = undefined
      build(slot)
    }, wait)
  }

  /** True once `soul` has been read from storage and peers for this slot; starts that read otherwise. */
  const ask = (soul: string, slot: Slot): boolean => {
    const state = slot.asked.get(soul)
    if (state !== undefined) return state
    slot.asked.set(soul, false)
    const settle = () => {
      if (!slot.asked.has(soul)) return
      slot.asked.set(soul, true)
      schedule(slot)
    }
    root.load(soul).then(settle, settle)
    return false
  }

  const build = (slot: Slot) => {
    if (slot.done || stopped) return
    const top = slot.top
    if (top === undefined) return
    if (top.kind !== 'node') {
      unwatchAll(slot)
      if (top.kind === 'missing' && !once) return
      finish(slot, top.kind === 'value' ? top.value : undefined)
      return
    }
    const seen = new Map<string, Record<string, unknown>>()
    const reached = new Set<string>()
    let waiting = false
    let opened = 0
    const visit = (soul: string, depth: number, range: KeyRange | undefined): Record<string, unknown> | undefined => {
      reached.add(soul)
      let node: GraphNode | undefined = engine.peek(soul)
      if (node === undefined) {
        // Not in memory: read it (the build runs again when the read settles), unless already read and not found.
        if (!ask(soul, slot)) waiting = true
        return undefined
      }
      if (range !== undefined) node = sliceNode(node, range)
      const out: Record<string, unknown> = {}
      seen.set(soul, out)
      opened++
      if (meta) out._ = node.toWire()._
      for (let i = 0; i < node.keys.length; i++) {
        const value = plainValue(soul, node.values[i])
        if (!isLink(value)) {
          setOwn(out, node.keys[i], value)
          continue
        }
        const target = value['#']
        const known = seen.get(target)
        if (known !== undefined) setOwn(out, node.keys[i], known)
        else if (depth >= maxDepth || opened >= maxNodes) setOwn(out, node.keys[i], { '#': target })
        else {
          const child = visit(target, depth + 1, undefined)
          // A link to a node that does not exist is left out, as a read of it finds nothing.
          if (child !== undefined) setOwn(out, node.keys[i], child)
        }
      }
      return out
    }
    const tree = visit(top.soul, 1, top.range)
    // Follow exactly what this build reached: watch new souls, let go of the rest.
    for (const soul of reached) {
      if (slot.watched.has(soul)) continue
      // The top node below a LEX step: only changes inside the range change the tree.
      const range = soul === top.soul ? top.range : undefined
      const heard = range === undefined ? () => schedule(slot) : (changed: GraphNode) => changed.keys.some((key) => inRange(key, range)) && schedule(slot)
      slot.watched.set(soul, engine.watch(soul, heard))
    }
    for (const [soul, stop] of slot.watched) {
      if (reached.has(soul)) continue
      stop()
      slot.watched.delete(soul)
      slot.asked.delete(soul)
    }
    if (waiting) return
    if (tree === undefined && !once) return
    finish(slot, tree)
  }

  const finish = (slot: Slot, tree: unknown) => {
    if (once) {
      slot.done = true
      unwatchAll(slot)
    }
    listener(tree, slot.key)
  }

  const stopObserving = observe(root, chain, (slotName, key, content) => {
    let slot = slots.get(slotName)
    if (slot === undefined) {
      slot = { key, top: undefined, watched: new Map(), asked: new Map(), timer: undefined, done: false }
      slots.set(slotName, slot)
    }
    if (content.kind === 'node') {
      // The top node's own changes are heard through its watch (set up by the build).
      const same = slot.top?.kind === 'node' && slot.top.soul === content.soul
      slot.top = { kind: 'node', soul: content.soul, range: content.range }
      if (same && slot.watched.size > 0) return
    } else slot.top = content
    schedule(slot)
  })

  return () => {
    if (stopped) return
    stopped = true
    stopObserving()
    for (const slot of slots.values()) {
      if (slot.timer !== undefined) clearTimeout(slot.timer)
      unwatchAll(slot)
    }
    slots.clear()
  }
}

function unwatchAll(slot: Slot): void {
  for (const stop of slot.watched.values()) stop()
  slot.watched.clear()
  slot.asked.clear()
}
