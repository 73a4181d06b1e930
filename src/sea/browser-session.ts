import type { Pair } from './keys.js'
import type { RecallOptions, SessionStore } from './user.js'

const KEY = 'pair'

/** Browsers' session store for `user.recall({ sessionStorage: true })`: the tab's sessionStorage, as stock keeps it. */
export function browserSessionStore(options: RecallOptions): SessionStore | undefined {
  const storage = (globalThis as { sessionStorage?: Storage }).sessionStorage
  if (options.sessionStorage !== true || storage === undefined) return undefined
  return {
    async load() {
      const text = storage.getItem(KEY)
      if (text === null) return undefined
      const pair = JSON.parse(text) as Pair
      return typeof pair?.pub === 'string' && typeof pair.priv === 'string' ? pair : undefined
    },
    async save(pair) {
      storage.setItem('recall', 'true')
      storage.setItem(KEY, JSON.stringify(pair))
    },
    async clear() {
      storage.removeItem('recall')
      storage.removeItem(KEY)
    },
  }
}
