import { createContext, createElement, type ReactNode, useContext } from 'react'
import { TrellisError } from '../core/errors.js'
import type { Db } from '../typed.js'

const DbContext = createContext<Db<object> | undefined>(undefined)

/** Props of {@link TrellisProvider}. */
export interface TrellisProviderProps {
  /** The database the hooks below use when none is passed to them (`createDb()`, of any schema: `useDb<Schema>()` gives it back typed). */
  db: Db<object>
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
export function useGivenOrContextDb(given: Db<object> | undefined, hook: string): Db<object> {
  const fromContext = useContext(DbContext)
  const db = given ?? fromContext
  if (db === undefined) throw new TrellisError('INVALID_DATA', `${hook}() found no database: pass it one, or wrap the app in <TrellisProvider db={db}>`)
  return db
}
