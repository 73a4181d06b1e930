import { createContext, createElement, type ReactNode, useContext } from 'react'
import { TrellisError } from '../core/errors.js'
import type { Db, TypedUser } from '../typed.js'

/**
 * A database of any schema, as the hooks that take one accept it: `createDb<Schema>()` for any
 * `Schema` (a `Db<Schema>` is not a `Db<object>`: its chains' listeners are typed by the schema).
 */
export interface AnyDb extends Pick<Db<object>, 'pending' | 'synced' | 'syncStatus' | 'onSyncStatus'> {
  /** This instance's SEA account. */
  user(): TypedUser<Record<string, unknown>>
}

const DbContext = createContext<AnyDb | undefined>(undefined)

/** Props of {@link TrellisProvider}. */
export interface TrellisProviderProps {
  /** The database the hooks below use when none is passed to them (`createDb()`, of any schema: `useDb<Schema>()` gives it back typed). */
  db: AnyDb
  children?: ReactNode
}

/**
 * Makes `db` the database of `useDb`, `useSyncStatus` and `useUser` below it. Hooks that take a
 * chain (`useNode`, `useMap`) need no provider: the chain knows its database.
 */
export function TrellisProvider({ db, children }: TrellisProviderProps): ReactNode {
  return createElement(DbContext, { value: db }, children)
}

/** The database of the nearest {@link TrellisProvider}, typed by `Schema`; throws outside one. */
export function useDb<Schema extends object = Record<string, Record<string, unknown>>>(): Db<Schema> {
  const db = useContext(DbContext)
  if (db === undefined) throw new TrellisError('INVALID_DATA', 'useDb() found no database: wrap the app in <TrellisProvider db={db}>, or pass db to the hook')
  // reason: the provider does not know the schema; the caller names it, as with createDb<Schema>().
  return db as unknown as Db<Schema>
}

/** `given`, else the provider's database (for hooks that take an optional db). */
export function useGivenOrContextDb(given: AnyDb | undefined, hook: string): AnyDb {
  const fromContext = useContext(DbContext)
  const db = given ?? fromContext
  if (db === undefined) throw new TrellisError('INVALID_DATA', `${hook}() found no database: pass it one, or wrap the app in <TrellisProvider db={db}>`)
  return db
}
