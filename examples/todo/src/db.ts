import { createDb } from 'trellis'
import { relayUrl } from '../../relay-url'

/** One todo: a node under `todos`, keyed by the soul `set()` gave it (time first, so key order is creation order). */
export interface Todo {
  title: string
  done: boolean
}

export interface Schema {
  todos: Record<string, Todo>
}

/** Kept in IndexedDB (`trellis-todo`) and synced through the relay whenever it is reachable. */
export const db = createDb<Schema>({ peers: [relayUrl()], indexedDb: 'trellis-todo' })
