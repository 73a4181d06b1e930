import type { AckCallback, ReadMeta } from './core/chain/chain.js'
import type { SyncStatus, SyncStatusListener } from './core/chain/sync-status.js'
import type { Link } from './core/types.js'
import type { Pair } from './sea/keys.js'
import type { RecallOptions, UserCallback, UserIs } from './sea/user.js'

/** The leaves a schema may use: Gun's values. */
export type Primitive = string | number | boolean | null

/** Node metadata as reads return it. */
export interface NodeMeta {
  '#': string
  '>': Record<string, number>
}

/** A string-keyed map in a schema (`Record<string, User>`): a node whose keys are ids. */
export type IsMap<T> = string extends keyof T ? true : false

/** The keys `get()` accepts on T. */
export type KeyOf<T> = T extends Primitive ? never : Extract<keyof T, string>

/** What `get(key)` reaches. */
export type ChildOf<T, K extends string> = T extends Primitive ? never : K extends keyof T ? NonNullable<T[K]> : never

/** What `map()` reaches: the values of a map node. */
export type ItemOf<T> = T extends Primitive ? never : NonNullable<T[keyof T]>

/** What `put()` accepts for T: partial nodes (a put merges), nested objects become linked nodes, null deletes. */
export type PutOf<T> = T extends Primitive ? T : { [K in keyof T]?: PutOf<NonNullable<T[K]>> | null | Link }

/** What a read returns for T: a node's own values, with links where nested nodes are. */
export type DataOf<T> = T extends Primitive ? T : { [K in keyof T]?: NonNullable<T[K]> extends Primitive ? T[K] | null : Link | null } & { _: NodeMeta }

/** The type at a slash-separated path of the schema. */
export type PathOf<T, P extends string> = P extends `${infer Head}/${infer Rest}`
  ? PathOf<ChildOf<T, Head & KeyOf<T>> extends never ? (IsMap<T> extends true ? ItemOf<T> : never) : ChildOf<T, Head & KeyOf<T>>, Rest>
  : P extends KeyOf<T>
    ? ChildOf<T, P>
    : IsMap<T> extends true
      ? ItemOf<T>
      : never

/** `on`/`once` listener of a typed chain: the data (undefined when missing), its key, read metadata, and `event.off()` to stop. */
export type TypedListener<T> = (data: DataOf<T> | undefined, key: string, meta: ReadMeta, event: { off(): void }) => void

/** A chain that knows the schema type of the place it names. */
export interface TypedChain<T> extends PromiseLike<DataOf<T> | undefined> {
  /** The chain of one key of this node. */
  get<K extends KeyOf<T>>(key: K): TypedChain<ChildOf<T, K>>
  /** The chain `a/b/c` below this one, typed along the way. */
  path<P extends string>(path: P): TypedChain<PathOf<T, P>>
  /** Merge `data` into this place; `callback` gets the acknowledgement. */
  put(data: PutOf<T>, callback?: AckCallback): TypedChain<T>
  /** Add an item to this set under a fresh key (or link an existing node); returns the item's chain. */
  set(data: PutOf<ItemOf<T>> | TypedChain<ItemOf<T>>, callback?: AckCallback): TypedChain<ItemOf<T>>
  /** Call `listener` with the data now and on every change, until `off()`. */
  on(listener: TypedListener<T>): TypedChain<T>
  /** Call `listener` once, with the data after peers answered (undefined when nothing is there). */
  once(listener?: TypedListener<T>): TypedChain<T>
  /** Every item of this node, now and as they come: `on`/`once` on the result fire per item. */
  map(): TypedChain<ItemOf<T>>
  /** Stop every listener this chain started. */
  off(): TypedChain<T>
  /** The chain `levels` steps up (default 1); a negative number or Infinity goes to the root. */
  back(levels?: number): TypedChain<unknown>
  /** The data, once, with `synced`: whether every asked peer answered. */
  read(): Promise<{ data: DataOf<T> | undefined; synced: boolean }>
}

/**
 * The instance's account (`db.user<Profile>()`): SEA accounts as in `trellis/gun`, and the logged-in
 * user's space typed by `U`. See docs/sea.md.
 */
export interface TypedUser<U> {
  /** The logged-in user, or undefined. */
  readonly is: UserIs | undefined
  /** Create an account from an alias and a password (at least 8 characters). */
  create(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  /** Create an account for existing keys. */
  create(pair: Pair, callback?: UserCallback): TypedUser<U>
  /** Log in with an alias and a password. */
  auth(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  /** Log in with a key pair. */
  auth(pair: Pair, callback?: UserCallback): TypedUser<U>
  /** Log out (and forget a recalled session). */
  leave(): TypedUser<U>
  /** Delete the account after logging in with its alias and password: every field of `~pub` but `pub` is nulled, and the session ends. */
  delete(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  /** Keep the session across restarts (a file in Node, sessionStorage in browsers), and log back in from a kept one. */
  recall(options?: RecallOptions, callback?: UserCallback): TypedUser<U>
  /** The chain of one key of the logged-in user's space. */
  get<K extends KeyOf<U>>(key: K): TypedChain<ChildOf<U, K>>
  /** The chain `a/b/c` in the logged-in user's space. */
  path<P extends string>(path: P): TypedChain<PathOf<U, P>>
  /** Merge signed `data` into the logged-in user's space. */
  put(data: PutOf<U>, callback?: AckCallback): TypedUser<U>
}

/** A database typed by its schema: the root chain plus instance controls. */
export interface Db<Schema> {
  /** The chain of a node off the root. */
  get<K extends KeyOf<Schema>>(soul: K): TypedChain<ChildOf<Schema, K>>
  /** The chain `soul/key/...` from the root, typed along the way. */
  path<P extends string>(path: P): TypedChain<PathOf<Schema, P>>
  /** This instance's account; its space is typed by `U`. */
  user<U extends object = Record<string, unknown>>(): TypedUser<U>
  /** Another user's space (`~pub`), typed by `U`. */
  user<U extends object = Record<string, unknown>>(pub: string): TypedChain<U>
  /** Resolves when every write so far is acknowledged (by a peer when there are peers, else by storage). */
  synced(): Promise<void>
  /** Writes waiting for their acknowledgement. */
  readonly pending: number
  /** Where writes stand: `'offline'` (peers configured, none connected), `'syncing'` (writes waiting for their ack) or `'synced'`. */
  readonly syncStatus: SyncStatus
  /** Call `listener` with the new status each time `syncStatus` changes; returns the unsubscribe. */
  onSyncStatus(listener: SyncStatusListener): () => void
  /** Close the peer connections, then the engine and its storage. */
  close(): Promise<void>
}
