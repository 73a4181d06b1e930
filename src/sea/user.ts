import type { Ack } from '../core/engine-types.js'
import type { AckCallback, Chain, Data, Listener } from '../core/chain/chain.js'
import { NO_ACK } from '../core/chain/ack-deadlines.js'
import type { WriteOptions } from '../core/chain/root.js'
import { randomId } from '../core/random.js'
import type { Value } from '../core/types.js'
import { decrypt, encrypt } from './cipher.js'
import { type Pair, createPair, isPublicKey } from './keys.js'
import { sign, verify } from './sign.js'
import { work } from './work.js'

/** Who is logged in: stock's `user.is`. */
export interface UserIs {
  pub: string
  epub: string
  alias: string
}

/** What `create`, `auth` and `delete` call back with: `err`, or (auth) the session. */
export interface UserAck {
  err?: string
  ok?: number
  pub?: string
  /** The session's keys (stock: `ack.sea`). */
  sea?: Pair
  /** `~<pub>`, the user's own soul. */
  soul?: string
  wait?: boolean
}

/** Called with the outcome of `create`, `auth` or `delete`. */
export type UserCallback = (ack: UserAck) => void

/** Where `recall` keeps a session across restarts (a file in Node, sessionStorage in browsers). */
export interface SessionStore {
  /** The stored session's keys, or undefined when there is none. */
  load(): Promise<Pair | undefined>
  /** Keep this session's keys. */
  save(pair: Pair): Promise<void>
  /** Forget the stored session. */
  clear(): Promise<void>
}

/** A chain root the user lives on: `get(soul)` off the root, and the instance's write hook. */
export interface UserHost {
  readonly chain: Chain
  /** Read a node as readers see it (unpacked), after memory, storage and peers answered. */
  readNode(soul: string): Promise<Record<string, Value> | undefined>
  /** Store the session where this runtime keeps sessions (none: recall reports it). */
  sessionStore(options: RecallOptions): SessionStore | undefined
}

/** Where `user.recall()` keeps the session (stock's `recall` options). */
export interface RecallOptions {
  /** Browsers: keep the session in sessionStorage (stock's option). */
  sessionStorage?: boolean
  /** Node: keep the session in this file. */
  file?: string
}

const MIN_PASSWORD = 8

const SALT_CHARS = 64

/**
 * `gun.user()`: accounts (create, auth, leave, delete, recall) and the
 * logged-in user's space, `~<pub>`, as stock SEA lays it out. Writes into
 * it are signed by the instance's signer (signer.ts) while a session is
 * open; reads see plain values.
 *
 * Deliberately stricter than stock at login (Gun #1193): an account is
 * tried only if its `alias` (signed by its own key) is the alias asked
 * for, and only if the keys its `auth` opens belong to it (a signature made
 * with them verifies under the account's pub). Stock tries every pub
 * listed under `~@alias` and takes the first whose `auth` opens, so anyone
 * could list their own account, holding a copy of the victim's `auth`,
 * first, and log the victim into it.
 */
export class User {
  /** The logged-in user, or undefined. */
  is: UserIs | undefined = undefined
  /** Stock's `user._`: `sea` is the session's pair. */
  readonly _: { sea: Pair | undefined } = { sea: undefined }
  private busy = false
  private store: SessionStore | undefined

  constructor(private readonly host: UserHost) {}

  /** The session's keys (what the signer signs with). */
  get pair(): Pair | undefined {
    return this._.sea
  }

  // ---- the user's space: a chain at ~<pub> ----

  private here(): Chain {
    // Before login the user's space is `~`, which the signer refuses to write ("User is not logged in.").
    return this.host.chain.get(this.is === undefined ? '~' : `~${this.is.pub}`)
  }

  /** A key of the logged-in user's space (`~pub`). */
  get(key: string): Chain {
    return this.here().get(key)
  }

  /** Merge signed `data` into the user's space (refused before login: "User is not logged in."). */
  put(data: unknown, callback?: AckCallback, options?: { opt?: WriteOptions }): this {
    this.here().put(data, callback, options)
    return this
  }

  /** Add an item to the user's space under a fresh key. */
  set(data: unknown, callback?: AckCallback): Chain {
    return this.here().set(data, callback)
  }

  /** Listen to the user's space, as `Chain.on`. */
  on(listener: Listener): this {
    this.here().on(listener)
    return this
  }

  /** Read the user's space once, as `Chain.once`. */
  once(listener: Listener): this {
    this.here().once(listener)
    return this
  }

  /** Every item of the user's space, as `Chain.map`. */
  map(): Chain {
    return this.here().map()
  }

  /** A path in the user's space, as `Chain.path`. */
  path(path: string): Chain {
    return this.here().path(path)
  }

  /** One level up is the instance's root; more, as `Chain.back`. */
  back(levels = 1): Chain {
    return levels === 1 ? this.host.chain : this.here().back(levels)
  }

  /** Await the user's space as a chain is awaited: its data once read. */
  // biome-ignore lint/suspicious/noThenProperty: the user's space is thenable like any chain.
  then<A = Data, B = never>(onFulfilled?: ((value: Data) => A | PromiseLike<A>) | null, onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null) {
    return this.here().then(onFulfilled, onRejected)
  }

  // ---- accounts ----

  /** Create an account: `create(alias, password, cb?)`, or `create(pair, cb?)` for existing keys. */
  create(aliasOrPair: string | Pair, passwordOrCallback?: string | UserCallback, callback?: UserCallback, options: { already?: boolean } = {}): this {
    const pair = typeof aliasOrPair === 'object' && aliasOrPair !== null ? aliasOrPair : undefined
    const alias = pair !== undefined ? pair.pub : aliasOrPair
    const password = typeof passwordOrCallback === 'string' ? passwordOrCallback : undefined
    const cb = (typeof passwordOrCallback === 'function' ? passwordOrCallback : callback) ?? (() => {})
    if (typeof alias !== 'string' || alias === '') return this.answer(cb, { err: 'No user.' })
    if (pair === undefined && (password ?? '').length < MIN_PASSWORD) return this.answer(cb, { err: 'Password too short!' })
    return this.exclusive(cb, () => this.createAccount(alias, password, pair, options))
  }

  /** Run one account operation at a time (stock refuses a second while one runs), answering `cb` once. */
  private exclusive(cb: UserCallback, run: () => Promise<UserAck>): this {
    if (this.busy) return this.answer(cb, { err: 'User is already being created or authenticated!', wait: true })
    this.busy = true
    run().then(
      (ack) => {
        this.busy = false
        cb(ack)
      },
      (error: unknown) => {
        this.busy = false
        cb({ err: messageOf(error) })
      },
    )
    return this
  }

  private async createAccount(alias: string, password: string | undefined, given: Pair | undefined, options: { already?: boolean }): Promise<UserAck> {
    const listed = await this.host.readNode(`~@${alias}`)
    if (listed !== undefined && Object.keys(listed).some((k) => k !== '_') && !options.already) return { err: 'User already created!' }
    const pair = given ?? (await createPair())
    const account: Record<string, string> = { pub: pair.pub, alias, epub: pair.epub }
    if (password !== undefined) {
      const salt = randomId(SALT_CHARS)
      const proof = await work(password, salt)
      const ek = await encrypt({ priv: pair.priv, epriv: pair.epriv }, proof, { raw: true })
      account.auth = JSON.stringify({ ek, s: salt })
    }
    // As stock: the new account is the session from here on (its own writes must be signed).
    this.open(pair, alias)
    const soul = `~${pair.pub}`
    await ackOf((done) => this.host.chain.get(soul).put(account, done))
    const link: Record<string, unknown> = {}
    Object.defineProperty(link, soul, { value: { '#': soul }, enumerable: true })
    await ackOf((done) => this.host.chain.get(`~@${alias}`).put(link, done))
    return { ok: 0, pub: pair.pub }
  }

  /** Log in: `auth(alias, password, cb?)`, or `auth(pair, cb?)`. */
  auth(aliasOrPair: string | Pair, passwordOrCallback?: string | UserCallback, callback?: UserCallback): this {
    const cb = (typeof passwordOrCallback === 'function' ? passwordOrCallback : callback) ?? (() => {})
    const password = typeof passwordOrCallback === 'string' ? passwordOrCallback : undefined
    return this.exclusive(cb, () =>
      typeof aliasOrPair === 'object' && aliasOrPair !== null
        ? this.loginWithPair(aliasOrPair, password)
        : this.loginWithPassword(String(aliasOrPair), password ?? ''),
    )
  }

  private async loginWithPassword(alias: string, password: string): Promise<UserAck> {
    const listed = await this.host.readNode(`~@${alias}`)
    for (const key of Object.keys(listed ?? {})) {
      if (key === '_' || !key.startsWith('~')) continue
      const pub = key.slice(1)
      if (!isPublicKey(pub)) continue
      const pair = await this.openAccount(pub, password, alias)
      if (pair !== undefined) return this.opened(pair, alias)
    }
    return { err: 'Wrong user or password.' }
  }

  private async loginWithPair(pair: Pair, password: string | undefined): Promise<UserAck> {
    if (!isPublicKey(pair.pub)) return { err: 'Wrong user or password.' }
    if (typeof pair.priv === 'string' && typeof pair.epriv === 'string') {
      if (!(await owns(pair))) return { err: 'Wrong user or password.' }
      const account = await this.host.readNode(`~${pair.pub}`)
      const alias = typeof account?.alias === 'string' ? account.alias : pair.pub
      return this.opened(pair, alias)
    }
    // A pub without its private keys: open the account's `auth` with the password.
    const opened = await this.openAccount(pair.pub, password ?? '', undefined)
    return opened === undefined ? { err: 'Wrong user or password.' } : this.opened(opened, opened.alias)
  }

  /** The keys of account `pub` if `password` opens its `auth` (and, given `alias`, it is that alias's account). */
  private async openAccount(pub: string, password: string, alias: string | undefined): Promise<(Pair & { alias: string }) | undefined> {
    const account = await this.host.readNode(`~${pub}`)
    if (account === undefined || account.pub !== pub) return undefined
    const epub = await signedText(account.epub, pub)
    if (!isPublicKey(epub)) return undefined
    const accountAlias = await signedText(account.alias, pub)
    if (alias !== undefined && accountAlias !== alias) return undefined
    const auth = parseAuth(await signedText(account.auth, pub))
    if (auth === undefined) return undefined
    for (const encode of ['base64', 'utf8'] as const) {
      const proof = await work(password, auth.s, { encode })
      const keys = (await decrypt(auth.ek, proof)) as { priv?: unknown; epriv?: unknown } | undefined
      if (keys === undefined || typeof keys !== 'object' || typeof keys.priv !== 'string' || typeof keys.epriv !== 'string') continue
      const pair: Pair = { pub, epub, priv: keys.priv, epriv: keys.epriv }
      if (await owns(pair)) return { ...pair, alias: accountAlias ?? pub }
    }
    return undefined
  }

  private open(pair: Pair, alias: string): void {
    this._.sea = pair
    this.is = { pub: pair.pub, epub: pair.epub, alias }
  }

  private async opened(pair: Pair, alias: string): Promise<UserAck> {
    const keys: Pair = { pub: pair.pub, priv: pair.priv, epub: pair.epub, epriv: pair.epriv }
    this.open(keys, alias)
    if (this.store !== undefined) await this.store.save(keys)
    return { sea: keys, soul: `~${pair.pub}`, pub: pair.pub }
  }

  /** Log out: forget the session (and the recalled one). */
  leave(): this {
    this._.sea = undefined
    this.is = undefined
    void this.store?.clear()
    return this
  }

  /**
   * Delete an account: its keys and data are emptied (nulls, signed), and it
   * is removed from its alias's list, after the password is checked.
   */
  delete(alias: string, password: string, callback?: UserCallback): this {
    const cb = callback ?? (() => {})
    this.auth(alias, password, async (ack) => {
      if (ack.err !== undefined || ack.sea === undefined) return cb({ err: ack.err ?? 'Wrong user or password.' })
      try {
        const soul = `~${ack.sea.pub}`
        const account = (await this.host.readNode(soul)) ?? {}
        const emptied: Record<string, null> = {}
        for (const key of Object.keys(account)) if (key !== '_' && key !== 'pub') emptied[key] = null
        await ackOf((done) => this.host.chain.get(soul).put(emptied, done))
        this.leave()
        cb({ ok: 0 })
      } catch (error) {
        cb({ err: messageOf(error) })
      }
    })
    return this
  }

  /**
   * Keep the session across restarts: on login it is saved where `options`
   * say (Node: a file; browsers: sessionStorage), and a saved one is opened now.
   */
  recall(options: RecallOptions = {}, callback?: UserCallback): this {
    const store = this.host.sessionStore(options)
    if (store === undefined) {
      callback?.({ err: 'No session store here: pass { sessionStorage: true } in a browser or { file } in Node.' })
      return this
    }
    this.store = store
    store.load().then(
      (pair) => {
        if (pair === undefined) return callback?.({ err: 'No session.' })
        this.auth(pair, (ack) => callback?.(ack))
      },
      (error: unknown) => callback?.({ err: messageOf(error) }),
    )
    return this
  }

  private answer(cb: UserCallback, ack: UserAck): this {
    queueMicrotask(() => cb(ack))
    return this
  }
}

/** A value stored signed, as text: an unpacked value already (user space), or a pre-2020 `SEA{...}` message. */
async function signedText(value: Value | undefined, pub: string): Promise<string | undefined> {
  if (typeof value !== 'string') return undefined
  if (!value.startsWith('SEA{')) return value
  const data = await verify(value, pub)
  // The oldest format signed [soul, key, value, state].
  const inner = Array.isArray(data) && data.length === 4 ? data[2] : data
  return typeof inner === 'string' ? inner : inner === undefined ? undefined : JSON.stringify(inner)
}

function parseAuth(text: string | undefined): { ek: unknown; s: string } | undefined {
  if (text === undefined) return undefined
  try {
    const auth = JSON.parse(text)
    return auth !== null && typeof auth === 'object' && typeof auth.s === 'string' && auth.ek !== undefined ? auth : undefined
  } catch {
    return undefined
  }
}

/** True when `pair.priv` is the private key of `pair.pub`: a signature made with it verifies under the pub. */
async function owns(pair: Pair): Promise<boolean> {
  try {
    const probe = await sign('trellis: key check', pair)
    return (await verify(probe, pair.pub, { legacy: false })) !== undefined
  } catch {
    return false
  }
}

/**
 * A write of the account, settled: acknowledged, or applied here and still unconfirmed after the ack
 * timeout (`lack`: it stays in the outbox and is sent again on reconnect). Stock relays do not always
 * answer a put with an ack for its own id (they ack its parts), and stock's `create` never waits for
 * one; a refusal (`err`) fails the call.
 */
function ackOf(put: (done: (ack: Ack) => void) => void): Promise<void> {
  return new Promise((resolve, reject) =>
    put((ack) => (ack.err !== undefined && !(ack.lack && ack.err.startsWith(NO_ACK)) ? reject(new Error(ack.err)) : resolve())),
  )
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
