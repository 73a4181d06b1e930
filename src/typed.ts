import type { AckCallback, ReadMeta } from './core/chain/chain.js'
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

export type TypedListener<T> = (data: DataOf<T> | undefined, key: string, meta: ReadMeta, event: { off(): void }) => void

/** A chain that knows the schema type of the place it names. */
export interface TypedChain<T> extends PromiseLike<DataOf<T> | undefined> {
  get<K extends KeyOf<T>>(key: K): TypedChain<ChildOf<T, K>>
  path<P extends string>(path: P): TypedChain<PathOf<T, P>>
  put(data: PutOf<T>, callback?: AckCallback): TypedChain<T>
  set(data: PutOf<ItemOf<T>> | TypedChain<ItemOf<T>>, callback?: AckCallback): TypedChain<ItemOf<T>>
  on(listener: TypedListener<T>): TypedChain<T>
  once(listener?: TypedListener<T>): TypedChain<T>
  map(): TypedChain<ItemOf<T>>
  off(): TypedChain<T>
  back(levels?: number): TypedChain<unknown>
  read(): Promise<{ data: DataOf<T> | undefined; synced: boolean }>
}

/**
 * The instance's account (`db.user<Profile>()`): SEA accounts as in `trellis/gun`, and the logged-in
 * user's space typed by `U`. See docs/sea.md.
 */
export interface TypedUser<U> {
  /** The logged-in user, or undefined. */
  readonly is: UserIs | undefined
  create(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  create(pair: Pair, callback?: UserCallback): TypedUser<U>
  auth(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  auth(pair: Pair, callback?: UserCallback): TypedUser<U>
  leave(): TypedUser<U>
  delete(alias: string, password: string, callback?: UserCallback): TypedUser<U>
  recall(options?: RecallOptions, callback?: UserCallback): TypedUser<U>
  get<K extends KeyOf<U>>(key: K): TypedChain<ChildOf<U, K>>
  path<P extends string>(path: P): TypedChain<PathOf<U, P>>
  put(data: PutOf<U>, callback?: AckCallback): TypedUser<U>
}

/** A database typed by its schema: the root chain plus instance controls. */
export interface Db<Schema> {
  get<K extends KeyOf<Schema>>(soul: K): TypedChain<ChildOf<Schema, K>>
  path<P extends string>(path: P): TypedChain<PathOf<Schema, P>>
  /** This instance's account; its space is typed by `U`. */
  user<U extends object = Record<string, unknown>>(): TypedUser<U>
  /** Another user's space (`~pub`), typed by `U`. */
  user<U extends object = Record<string, unknown>>(pub: string): TypedChain<U>
  /** Resolves when every write so far is acknowledged (by a peer when there are peers, else by storage). */
  synced(): Promise<void>
  /** Writes waiting for their acknowledgement. */
  readonly pending: number
  close(): Promise<void>
}
