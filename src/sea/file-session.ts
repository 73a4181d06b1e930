import { readFile, rm, writeFile, rename } from 'node:fs/promises'
import type { Pair } from './keys.js'
import type { RecallOptions, SessionStore } from './user.js'

/**
 * Node's session store for `user.recall({ file })`: the session's keys in a
 * file only its owner can read (mode 0600), written atomically.
 */
export function fileSessionStore(options: RecallOptions): SessionStore | undefined {
  const path = options.file
  if (typeof path !== 'string' || path === '') return undefined
  return {
    async load() {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      const pair = JSON.parse(text) as Pair
      return typeof pair?.pub === 'string' && typeof pair.priv === 'string' ? pair : undefined
    },
    async save(pair) {
      const tmp = `${path}.tmp`
      await writeFile(tmp, JSON.stringify(pair), { mode: 0o600 })
      await rename(tmp, path)
    },
    async clear() {
      await rm(path, { force: true })
    },
  }
}
