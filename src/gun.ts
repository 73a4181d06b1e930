import { createInstance, type Connect, type InstanceOptions, type RootChain } from './instance.js'
import type { StorageAdapter } from './core/storage-contract.js'
import { Chain } from './core/chain/chain.js'
import { createClock } from './core/clock.js'
import { isLink, isValue } from './core/types.js'
import { SEA, type StockSea } from './sea/index.js'
import { type ChainListener, createEvents, type EventChains } from './plugins/event-chain.js'
import type { PluginContext } from './plugins/wire-context.js'

/** The clock behind `Gun.state()`. */
const clock = createClock()

/**
 * Gun's options as the drop-in understands them: `peers`, `storage` (any
 * StorageAdapter), and where the runtime persists by default: `file`,
 * `radisk` and (in browsers) `localStorage`, as stock reads them
 * (docs/migrating-from-gun.md). Stock options that do not apply here
 * (`multicast`, `axe`, `web`...) are accepted and ignored, so a Gun app
 * moves over by changing its import.
 */
export interface GunOptions {
  peers?: string | string[] | Record<string, unknown>
  storage?: StorageAdapter
  ackTimeout?: number
  /** How long a read of data missing locally waits for a reply through Gun.on('opt') plugins (ms, default 99, stock's `opt.wait`). */
  wait?: number
  [option: string]: unknown
}

/** `Gun.on`: the constructor's plugin hooks (`opt`, `create`: a handler gets each new instance's context) and stock's emitter for other tags. */
export type GunEvents = ((tag: 'opt' | 'create', handler: (this: ChainListener, ctx: PluginContext) => void) => ChainListener) & EventChains

/** Gun's constructor shape: callable with or without `new`, with options, a URL or a list of URLs. */
export interface GunConstructor {
  (options?: GunOptions | string | string[]): RootChain
  new (options?: GunOptions | string | string[]): RootChain
  /** Stock's SEA object (`trellis/sea`), as `Gun.SEA` is once `gun/sea` is loaded. */
  SEA: StockSea
  /** Every chain's prototype: plugins add methods here (`Gun.chain.myMethod = function () {…}`). */
  chain: Chain
  /** A state for now from this process's state clock (monotonic, as Gun's `Gun.state()`). */
  state(): number
  /** Gun's check of a value: true for a value Gun stores, the soul for a link, false otherwise. */
  valid(value: unknown): boolean | string
  /** True for a chain. */
  is(value: unknown): boolean
  /**
   * Gun's plugin hook: `Gun.on('opt', function (ctx) { … })` runs for every instance this
   * constructor makes from then on, with the instance's plugin context (`ctx.opt`, `ctx.$`,
   * `ctx.on('in' | 'out', handler)`; see `PluginContext`). Handlers form a chain: pass the
   * context on with `this.to.next(ctx)`, as stock plugins do. Returns the handler; its `off()`
   * unregisters it. `Gun.on('create', fn)` runs after the `opt` hooks, as stock's. Hooks belong to
   * this constructor only (`createGun` makes independent ones).
   */
  on: GunEvents
}

/** What a runtime entry adds to the drop-in: instance defaults, and the storage used when the app passes none. */
export interface GunRuntime {
  /** Options every instance of this runtime starts from (the app's options override them). */
  defaults?: Partial<InstanceOptions>
  /** The storage of an instance whose app passed no `storage` (Node: `./radata`); undefined keeps it in memory. */
  defaultStorage?: (options: GunOptions) => StorageAdapter | undefined
  /** The BroadcastChannel an instance using the default storage shares live changes on (browsers: one per IndexedDB database). */
  defaultChannel?: (options: GunOptions) => string | undefined
}

/** Gun's three call shapes (options, one URL, a list of URLs) as options. */
function asOptions(input: GunOptions | string | string[] | undefined): GunOptions {
  if (input === undefined) return {}
  if (typeof input === 'string') return { peers: [input] }
  if (Array.isArray(input)) return { peers: input }
  return input
}

/** Stock Gun's option forms (a URL, a list of URLs, or an object whose `peers` is a URL, a list or a map) as instance options; options that do not apply are dropped. */
export function normalizeGunOptions(input: GunOptions | string | string[] | undefined): InstanceOptions {
  const options = asOptions(input)
  const peers = options.peers
  const list = typeof peers === 'string' ? [peers] : Array.isArray(peers) ? peers : peers !== undefined && peers !== null ? Object.keys(peers) : []
  return {
    peers: list.filter((p): p is string => typeof p === 'string'),
    storage: options.storage,
    ackTimeout: typeof options.ackTimeout === 'number' ? options.ackTimeout : undefined,
  }
}

/** Build the Gun constructor for a runtime; `connect` wires peers (Node and browser entries pass one). */
export function createGun(connect?: Connect, runtime: GunRuntime = {}): GunConstructor {
  const events = createEvents()
  function Gun(input?: GunOptions | string | string[]): RootChain {
    const options = normalizeGunOptions(input)
    if (options.storage === undefined && runtime.defaultStorage !== undefined) {
      options.storage = runtime.defaultStorage(asOptions(input))
      if (options.storage !== undefined) options.broadcastChannel = runtime.defaultChannel?.(asOptions(input))
    }
    return createInstance({ ...runtime.defaults, ...options }, connect, { events, opt: asOptions(input) })
  }
  const gun = Gun as GunConstructor
  gun.SEA = SEA
  gun.chain = Chain.prototype
  gun.state = () => clock.next()
  gun.valid = (value) => (isLink(value) ? value['#'] : isValue(value))
  gun.is = (value) => value instanceof Chain
  // The typed overload for opt/create hooks is the same function: its handlers get the context as their value.
  gun.on = events.on as GunEvents
  return gun
}

/** The Gun drop-in without a WebSocket dialler (`peers` are not dialled): `trellis/gun` in Node or a browser resolves to the build that dials them. */
const Gun = createGun()
export default Gun
export { Gun }
export type { RootChain } from './instance.js'
export type { PluginContext } from './plugins/wire-context.js'
export type { ChainHandler, ChainListener, ChainStep, EventChains } from './plugins/event-chain.js'
