import { describe, expect, expectTypeOf, it } from 'vitest'
import { createDb, type Link } from '../../src/index.js'
import { waitUntil } from '../support/wait.js'

interface Schema {
  users: Record<string, { name: string; age: number; friend?: { name: string } }>
  settings: { theme: 'dark' | 'light'; volume: number }
}

describe('typed API: createDb<Schema>()', () => {
  it('type-checks along the path and runs on the same engine', async () => {
    const db = createDb<Schema>()
    const ann = db.get('users').get('ann')
    ann.put({ name: 'Ann', age: 41 })
    // Type checks only: never called.
    const _typeErrors = () => {
      // @ts-expect-error: age is a number in the schema
      ann.put({ age: 'old' })
      // @ts-expect-error: no such top-level node
      db.get('nope')
    }
    expectTypeOf(db.get('settings').get('theme')).toEqualTypeOf<ReturnType<typeof db.path<'settings/theme'>>>()
    const data = await ann
    expectTypeOf(data).toMatchTypeOf<{ name?: string | null; friend?: Link | null } | undefined>()
    expect(data?.name).toBe('Ann')
    expect(await db.path('users/ann/age')).toBe(41)
  })

  it('path() addresses the same place as get().get(), with %2F for a slash inside a key', async () => {
    const db = createDb<Schema>()
    db.path('settings').put({ theme: 'dark', volume: 3 })
    expect(await db.get('settings').get('volume')).toBe(3)
    const raw = createDb()
    raw.get('a/b').put({ v: 1 })
    expect(await raw.path('a%2Fb/v')).toBe(1)
  })

  it('on() and map() carry the item type', async () => {
    const db = createDb<Schema>()
    db.get('users').get('bo').put({ name: 'Bo', age: 7 })
    const names: string[] = []
    db.get('users')
      .map()
      .on((user) => {
        expectTypeOf(user).toMatchTypeOf<{ name?: string | null } | undefined>()
        if (user?.name) names.push(user.name)
      })
    await waitUntil(() => names.length > 0, 'the map lists a user')
    expect(names).toEqual(['Bo'])
  })
})
