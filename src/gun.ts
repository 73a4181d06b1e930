import { createInstance, type Connect, type InstanceOptions, type RootChain } from './instance.js'
import type { StorageAdapter } from './core/storage-contract.js'
import { Chain } from './core/chain/chain.js'
import { createClock } from './core/clock.js'
import { isLink, isValue } from './core/types.js'
import { SEA, type StockSea } from './sea/index.js'

/** The clock behind `Gun.state()`. */
const clock = createClock()

/**
 * Gun's options as the drop-in understands them. `peers` and `storage`
 * matter; in browsers so do `file` (the IndexedDB database), `localStorage`
 * and `radisk` (`false` turns persistence off). Stock options that do not
 * apply here (`multicast`, `axe`, `web`...) are accepted and ignored, so a
 * Gun app moves over by changing its import.
 */
export interface GunOptions {
  peers?: string | string[] | Record<string, unknown>
  storage?: StorageAdapter
  ackTimeout?: number
  [option: string]: unknown
}

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
}

export function normalizeGunOptions(input: GunOptions | string | string[] | undefined): InstanceOptions {
  if (input === undefined) return {}
  if (typeof input === 'string') return { peers: [input] }
  if (Array.isArray(input)) return { peers: input.filter((p): p is string => typeof p === 'string') }
  const peers = input.peers
  const list = typeof peers === 'string' ? [peers] : Array.isArray(peers) ? peers : peers !== undefined && peers !== null ? Object.keys(peers) : []
  return {
    peers: list.filter((p): p is string => typeof p === 'string'),
    storage: input.storage,
    ackTimeout: typeof input.ackTimeout === 'number' ? input.ackTimeout : undefined,
  }
}

/** The Gun options as given (an object, a URL or a list of URLs), for runtime defaults that read stock options such as `file`. */
export type GunInput = GunOptions | string | string[] | undefined

/**
 * Build the Gun constructor for a runtime; `connect` wires peers (Node and browser entries pass one);
 * `defaults` fill options not given (a function is asked once per instance, e.g. for a store of its own).
 */
export function createGun(connect?: Connect, defaults: Partial<InstanceOptions> | ((input: GunInput) => Partial<InstanceOptions>) = {}): GunConstructor {
  function Gun(input?: GunOptions | string | string[]): RootChain {
    const options = normalizeGunOptions(input)
    const base = typeof defaults === 'function' ? defaults(input) : defaults
    return createInstance({ ...base, ...options, storage: options.storage ?? base.storage }, connect)
  }
  const gun = Gun as GunConstructor
  gun.SEA = SEA
  gun.chain = Chain.prototype
  gun.state = () => clock.next()
  gun.valid = (value) => (isLink(value) ? value['#'] : isValue(value))
  gun.is = (value) => value instanceof Chain
  return gun
}

const Gun = createGun()
export default Gun
export { Gun }
export type { RootChain } from './instance.js'
