import { useMemo, useSyncExternalStore } from 'react'
import type { RecallOptions, UserAck, UserIs } from '../sea/user.js'
import type { TypedUser } from '../typed.js'
import { type AnyDb, useGivenOrContextDb } from './context.js'
import { createLazyStore, type ExternalStore, pollWhileSubscribed } from './store.js'

/** The account of a database as {@link useUser} shows it, with promise-returning helpers. */
export interface UserState<U> {
  /** The logged-in user (`alias`, `pub`, `epub`), or undefined. */
  readonly is: UserIs | undefined
  /** Whether someone is logged in. */
  readonly loggedIn: boolean
  /** The logged-in alias, or undefined. */
  readonly alias: string | undefined
  /** The logged-in public key, or undefined. */
  readonly pub: string | undefined
  /** `db.user()`: the account itself, and the logged-in user's space (`user.get('profile')`). */
  readonly user: TypedUser<U>
  /** Create an account (does not log in); resolves with the ack, `err` set when it failed. */
  create(alias: string, password: string): Promise<UserAck>
  /** Log in; resolves with the ack, `err` set when it failed. */
  auth(alias: string, password: string): Promise<UserAck>
  /** Log back in from a session kept by an earlier `recall` (browsers: sessionStorage). */
  recall(options?: RecallOptions): Promise<UserAck>
  /** Log out. */
  leave(): void
}

/** How often a component showing the user checks for a login made outside these helpers. */
const POLL_MS = 500

interface Account {
  store: ExternalStore<UserIs | undefined>
  actions: Pick<UserState<object>, 'create' | 'auth' | 'recall' | 'leave'>
}

const accounts = new WeakMap<object, Account>()

function accountOf(db: AnyDb): Account {
  const known = accounts.get(db)
  if (known !== undefined) return known
  const user = db.user()
  let shown = user.is
  const listeners = new Set<() => void>()
  const check = () => {
    if (user.is === shown) return false
    shown = user.is
    return true
  }
  const poll = pollWhileSubscribed(check, POLL_MS)
  const store = createLazyStore(
    () => shown,
    (changed) => {
      listeners.add(changed)
      const stop = poll(changed)
      return () => {
        listeners.delete(changed)
        stop()
      }
    },
  )
  // A helper's outcome shows at once, not at the next poll.
  const settle = (ack: UserAck) => {
    if (check()) for (const listener of listeners) listener()
    return ack
  }
  const asked = (run: (done: (ack: UserAck) => void) => void) => new Promise<UserAck>((resolve) => run(resolve)).then(settle)
  const actions: Account['actions'] = {
    create: (alias, password) => asked((done) => user.create(alias, password, done)),
    auth: (alias, password) => asked((done) => user.auth(alias, password, done)),
    recall: (options) => asked((done) => user.recall(options ?? { sessionStorage: true }, done)),
    leave: () => {
      user.leave()
      settle({})
    },
  }
  const account = { store, actions }
  accounts.set(db, account)
  return account
}

/**
 * The database's SEA account (`db.user()`), live: who is logged in, and `create`/`auth`/`recall`/
 * `leave` as promises. Re-renders when the login changes. `U` types the user's space. Uses `db`,
 * or the {@link TrellisProvider}'s database.
 *
 *   const { loggedIn, alias, auth, leave } = useUser()
 *   const ack = await auth('ann', 'a long password')   // ack.err on failure
 */
export function useUser<U extends object = Record<string, unknown>>(db?: AnyDb): UserState<U> {
  const given = useGivenOrContextDb(db, 'useUser')
  const account = accountOf(given)
  const is = useSyncExternalStore(account.store.subscribe, account.store.getSnapshot, account.store.getSnapshot)
  // reason: the account's space is typed by what the caller says it holds, as db.user<U>() does.
  const user = given.user() as unknown as TypedUser<U>
  return useMemo(() => ({ is, loggedIn: is !== undefined, alias: is?.alias, pub: is?.pub, user, ...account.actions }), [is, user, account])
}
