import type { Ack } from '../engine-types.js'
import { TrellisError } from '../errors.js'
import { later } from '../later.js'
import type { GraphNode } from '../node.js'
import { randomKey, randomSoul } from '../random.js'
import type { Value } from '../types.js'
import { plainWire } from '../user-space.js'
import { buildPut, buildPutNow, context, writeTarget } from './build-put.js'
import { diffFor, isPlainObject, ownSoul } from './ify.js'
import { observe } from './observe.js'
import type { AckCallback, Data, Listener, ReadMeta } from './chain-types.js'
import { listenRaw, type RawListener } from './compat.js'
import { parseChainLex } from './lex.js'
import { openTree, type OpenOptions } from './open-tree.js'
import { sliceNode } from '../lex-page.js'
import { describePath, type ChainPath, type Step } from './path.js'
import { resolve, resolveNow, type Item } from './resolve.js'
import type { Root, WriteOptions } from './root.js'

export type { AckCallback, Data, Listener, ReadMeta } from './chain-types.js'
export type { OpenOptions } from './open-tree.js'

/**
 * A place in the graph, as Gun's chain names it: `gun.get('a').get('b')`.
 * Chains are cheap descriptions; reading or writing resolves them.
 */
export class Chain implements ChainPath, PromiseLike<Data> {
  readonly root: Root
  readonly parent: Chain | undefined
  readonly step: Step
  private stops: (() => void)[] | undefined = undefined

  constructor(root: Root, parent: Chain | undefined, step: Step) {
    this.root = root
    this.parent = parent
    this.step = step
  }

  /**
   * A node off the root, or a key of this chain's node. Gun's other forms: `get(key, cb)` also
   * listens there, and `get(cb)` listens here, `cb` hearing `{ put, get }` messages (compat.ts).
   * A LEX object selects keys of this chain's node: `get({'.': {'*': prefix}})`,
   * `{'.': {'>': from, '<': to}}` (inclusive), `{'.': key}`, with `'-': 1` (reverse) and `'%': bytes`
   * (a read's budget); `{'#': soul}` is `get(soul)`. See docs/migrating-from-gun.md for what each reads.
   */
  get(key: string | number | Record<string, unknown> | RawListener, callback?: RawListener): Chain {
    if (typeof key === 'function') {
      listenRaw(this, key)
      return this
    }
    const chain = this.child(key)
    if (callback !== undefined) listenRaw(chain, callback)
    return chain
  }

  private child(key: string | number | Record<string, unknown>): Chain {
    const name = typeof key === 'number' ? String(key) : key
    // The string test first, as before LEX: plain get(key) pays nothing for the LEX form.
    if (typeof name !== 'string') return this.lexChild(name)
    if (name === '') throw new TrellisError('INVALID_KEY', `Invalid key: empty key at ${describePath(this) || 'root'}`)
    return new Chain(this.root, this, this.step.kind === 'root' ? { kind: 'soul', soul: name } : { kind: 'key', key: name })
  }

  /** `get(lexObject)`: a LEX step, or the soul or key a LEX names (`{'#': soul}`); anything else is an invalid key. */
  private lexChild(lex: unknown): Chain {
    if (typeof lex !== 'object' || lex === null) throw new TrellisError('INVALID_KEY', `Invalid key: ${typeof lex} at ${describePath(this)}`)
    const parsed = parseChainLex(lex, this.step.kind === 'root', describePath(this) || 'root')
    return parsed.kind === 'lex' ? new Chain(this.root, this, parsed) : this.child(parsed.name)
  }

  /**
   * A chain from a path: `db.path('users/ann')` is `db.get('users').get('ann')`, segments
   * URI-decoded (`%2F` is a slash inside a key). Gun's forms work too: a list (`path(['users',
   * 'ann'])`) and, for a path without a slash, dots (`path('users.ann')`).
   */
  path(path: string | ReadonlyArray<string | number>): Chain {
    const parts = typeof path !== 'string' ? path.map(String) : path.includes('/') ? path.split('/').map(decodeURIComponent) : path.split('.')
    let at: Chain = this
    for (const part of parts) if (part !== '') at = at.get(part)
    return at
  }

  /**
   * Every key of this chain's node; links are followed to their nodes. With `each` (Gun's
   * `map(fn)`), listeners hear `each(data, key)` instead, and nothing for items it maps to undefined.
   */
  map(each?: ((data: Data, key: string) => unknown) | Record<string, unknown>): Chain {
    // Gun's `map(lex)`: the items of the keys in a LEX range, `{'.': {'*': 'a'}}` or just `{'*': 'a'}`.
    if (each !== undefined && typeof each === 'object') return this.get(Object.hasOwn(each, '.') ? each : { '.': each }).map()
    return new Chain(this.root, this, { kind: 'map', each: each as ((data: unknown, key: string) => unknown) | undefined, snapshot: this.snapshot })
  }

  /** True on the chain `once()` returns without a callback: a `map()` from it goes over the keys read then. */
  protected get snapshot(): boolean {
    return false
  }

  /** Gun's `not(cb)`: `cb(key)` (with the chain as `this`) once a read finds nothing here. */
  not(callback: (this: Chain, key: string) => void): this {
    this.once((data, key) => {
      if (data === undefined) callback.call(this, key)
    })
    return this
  }

  /** Gun's `unset(item)`: take an item `set()` added out of this list (its link becomes null). */
  unset(item: Chain | Record<string, unknown>, callback?: AckCallback): this {
    const root = this.root
    // The state is the call's, not the build's (buildPut says why).
    const state = root.engine.clock.next()
    this.root.write(async () => {
      const ctx = context(root, state, isChain)
      const soul = item instanceof Chain ? await writeTarget(item, ctx) : ownSoul(item)
      if (soul === undefined) throw new TrellisError('INVALID_DATA', `unset() needs a chain or a node with a soul at ${describePath(this) || 'root'}`)
      diffFor(ctx, await writeTarget(this, ctx)).set(soul, null, ctx.state)
      return [...ctx.nodes.values()]
    }, callback)
    return this
  }

  /** Gun's `promise()`: a read, as `{ put, get, gun }`. */
  async promise(): Promise<{ put: Data; get: string; gun: Chain }> {
    const { data } = await this.read()
    return { put: data, get: keyOf(this), gun: this }
  }

  /** The chain `levels` steps up; any negative number or Infinity goes to the root. */
  back(levels = 1): Chain {
    let at: Chain = this
    const steps = levels < 0 ? Infinity : levels
    for (let i = 0; i < steps && at.parent !== undefined; i++) at = at.parent
    return at
  }

  /**
   * Write `data` here. The callback fires once: `{ ok }` when stored/acknowledged, `{ err }` otherwise. Atomic.
   * `options.opt.cert` is a SEA certificate for writing into another user's space (Gun's call shape).
   */
  put(data: unknown, callback?: AckCallback, options?: { opt?: WriteOptions }): this {
    let now: GraphNode[] | undefined
    try {
      now = buildPutNow(this, data)
    } catch (error) {
      this.root.write(() => {
        throw error
      }, callback)
      return this
    }
    if (now !== undefined) this.root.write(now, callback, options?.opt)
    else {
      const state = this.root.engine.clock.next()
      this.root.write(() => buildPut(this, data, isChain, state), callback, options?.opt)
    }
    return this
  }

  /**
   * Add to an unordered list: an object becomes a node with a random soul
   * (or its own `_['#']`) linked under that soul; a chain is linked under
   * its soul; a primitive gets a random key. Returns the item's chain.
   */
  set(data: unknown, callback?: AckCallback): Chain {
    const root = this.root
    if (data instanceof Chain) {
      const state = root.engine.clock.next()
      root.write(async () => {
        const ctx = context(root, state, isChain)
        const soul = await writeTarget(data, ctx)
        diffFor(ctx, await writeTarget(this, ctx)).set(soul, { '#': soul }, ctx.state)
        return [...ctx.nodes.values()]
      }, callback)
      return data
    }
    if (isPlainObject(data)) {
      const soul = ownSoul(data) ?? randomSoul(root.engine.clock.next())
      const item = this.back(-1).get(soul)
      // The item and its link are written one after the other, without waiting for the item's ack:
      // offline, or through a peer that acks late, the list must show the item at once (Gun links it
      // as soon as the item's soul is known). The callback hears both: the first error, else the link's ack.
      const link: Record<string, unknown> = {}
      Object.defineProperty(link, soul, { value: { '#': soul }, enumerable: true })
      let pending = 2
      let failure: Ack | undefined
      const settled = (ack: Ack) => {
        if (ack.err !== undefined) failure ??= ack
        if (--pending === 0) callback?.(failure ?? ack)
      }
      item.put(data, settled)
      this.put(link, settled)
      return item
    }
    const entry: Record<string, unknown> = {}
    Object.defineProperty(entry, randomKey(root.engine.clock.next()), { value: data, enumerable: true })
    this.put(entry, callback)
    return this
  }

  /** Call `listener` now (when data exists) and on every change. */
  on(listener: Listener): this {
    const engine = this.root.engine
    const shown = new Map<string, string>()
    let stop = () => {}
    const event = { off: () => stop() }
    stop = observe(this.root, this, (slot, key, content) => {
      if (content.kind === 'missing') {
        shown.delete(slot)
        return
      }
      if (content.kind === 'value') {
        shown.delete(slot)
        deliver(this.step, listener, copyValue(content.value), key, { synced: true }, event)
        return
      }
      const node = engine.peek(content.soul)
      if (node === undefined) return
      const mark = `${content.soul}\u0000${node.version}`
      if (shown.get(slot) === mark) return
      shown.set(slot, mark)
      deliver(this.step, listener, plainWire(content.range === undefined ? node : sliceNode(node, content.range)), key, { synced: true }, event)
    })
    this.track(stop)
    return this
  }

  /**
   * Call `listener` exactly once (once per item after `map()`) when memory,
   * storage and the connected peers have answered or the read timed out —
   * with `undefined` when nothing is there.
   */
  once(): Chain
  once(listener: Listener): this
  once(listener?: Listener): Chain {
    // Gun's `once()` without a callback: this place as read now, so that `once().map()` lists the items there now.
    if (listener === undefined) return new Snapshot(this.root, this.parent, this.step)
    if (this.step.kind === 'map') return this.oncePerItem(listener)
    const deliver = (items: Item[]) => {
      const event = { off: () => {} }
      if (items.length === 0 && this.step.kind !== 'map') listener(undefined, keyOf(this), { synced: true }, event)
      for (const item of items) listener(itemData(this.root, item), item.key, { synced: item.synced }, event)
    }
    const now = resolveNow(this.root, this)
    if (now !== undefined) later(deliver, now)
    else resolve(this.root, this).then(deliver, reportAsync)
    return this
  }

  /**
   * `map().once(cb)`: each item once, those there now and those added later (Gun's list pattern:
   * a chat shows each message once, as it arrives), until `off()`.
   */
  private oncePerItem(listener: Listener): this {
    const engine = this.root.engine
    const delivered = new Set<string>()
    let stop = () => {}
    const event = { off: () => stop() }
    stop = observe(this.root, this, (slot, key, content) => {
      if (content.kind === 'missing' || delivered.has(slot)) return
      let data: Data
      if (content.kind === 'value') data = copyValue(content.value)
      else {
        const node = engine.peek(content.soul)
        if (node === undefined) return
        data = plainWire(node)
      }
      delivered.add(slot)
      deliver(this.step, listener, data, key, { synced: true }, event)
    })
    this.track(stop)
    return this
  }

  /**
   * Gun's `open(cb)` (stock's lib/open.js plugin, built in): `cb(tree, key, options, event)` hears
   * the whole subtree here as one nested object — links replaced by their nodes, a node reached
   * twice (cycles) as the same object, without `_` unless `meta` — once every node in it has been
   * read, and again after changes anywhere in it, until `off()`. After `map()`, one tree per item.
   * Bounded by `depth` and `maxNodes` (default 10 000): links past them stay `{'#': soul}`.
   */
  open(callback: TreeCallback, options: OpenOptions = {}): this {
    return this.openTree(callback, options, false)
  }

  /**
   * Gun's `load(cb)` (lib/load.js, built in): `open()` once — the whole subtree when every node in it
   * has been read, then nothing more; `undefined` when nothing is here. After `map()`, once per item.
   */
  load(callback: TreeCallback, options: OpenOptions = {}): this {
    return this.openTree(callback, options, true)
  }

  private openTree(callback: TreeCallback, options: OpenOptions, once: boolean): this {
    let stop = () => {}
    const event = { off: () => stop() }
    // A load of one place is over after its tree; after map() each item gets one, for as long as items come.
    const single = once && this.step.kind !== 'map'
    stop = openTree(
      this.root,
      this,
      (tree, key) => {
        if (single) stop()
        callback.call(this, tree, key, options, event)
      },
      options,
      once,
    )
    this.track(stop)
    return this
  }

  /** Stop every `on` listener registered through this chain. */
  off(): this {
    const stops = this.stops
    this.stops = undefined
    if (stops !== undefined) for (const stop of stops) stop()
    return this
  }

  /** `await chain` reads it once (undefined when missing). */
  // biome-ignore lint/suspicious/noThenProperty: a chain is thenable on purpose, as `await gun.get(...)` is in Gun.
  then<A = Data, B = never>(
    onFulfilled?: ((value: Data) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.read()
      .then((result) => result.data)
      .then(onFulfilled, onRejected)
  }

  /** Read once, and learn whether the peers answered (`synced`). */
  async read(): Promise<{ data: Data; synced: boolean }> {
    const items = await resolve(this.root, this)
    if (this.step.kind === 'map') {
      const data: Record<string, unknown> = {}
      let synced = true
      const each = this.step.each
      for (const item of items) {
        if (!item.found) continue
        const value = each === undefined ? itemData(this.root, item) : each(itemData(this.root, item), item.key)
        if (value === undefined) continue
        Object.defineProperty(data, item.key, { value, enumerable: true, writable: true, configurable: true })
        synced &&= item.synced
      }
      return { data, synced }
    }
    const item = items[0]
    return item === undefined ? { data: undefined, synced: true } : { data: itemData(this.root, item), synced: item.synced }
  }

  private track(stop: () => void): void {
    ;(this.stops ??= []).push(stop)
  }
}

/** What `open()` and `load()` call: the subtree as one nested object (or a value), the key, the options given, and the event to stop it. */
export type TreeCallback = (this: Chain, tree: unknown, key: string, options: OpenOptions, event: { off(): void }) => void

/** What `once()` without a callback returns: the same place, whose `map()` is taken over the keys read once. */
class Snapshot extends Chain {
  protected override get snapshot(): boolean {
    return true
  }
}

/** Hand data to a listener; through a `map(fn)` chain's transform first (undefined: nothing to hear). */
function deliver(step: Step, listener: Listener, data: Data, key: string, meta: ReadMeta, event: { off(): void }): void {
  if (step.kind !== 'map' || step.each === undefined) return listener(data, key, meta, event)
  const mapped = step.each(data, key)
  if (mapped !== undefined) listener(mapped as Data, key, meta, event)
}

function keyOf(chain: Chain): string {
  const step = chain.step
  if (step.kind === 'lex') return keyOf(chain.parent as Chain)
  return step.kind === 'soul' ? step.soul : step.kind === 'key' ? step.key : ''
}

function itemData(_root: Root, item: Item): Data {
  if (!item.found) return undefined
  if (item.node !== undefined) return plainWire(item.node)
  return copyValue(item.value as Value)
}

function copyValue(value: Value): Value {
  return value !== null && typeof value === 'object' ? { '#': value['#'] } : value
}

function reportAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}

/** A chain, for the put builder (which cannot import this class without a cycle). */
function isChain(value: unknown): value is Chain {
  return value instanceof Chain
}
