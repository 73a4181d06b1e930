import { describe, expectTypeOf, it } from 'vitest'
import type { Chain, Data, DataOf, TypedUser } from '../../src/index.js'
import { createDb } from '../../src/index.js'
import { type MapRow, TrellisProvider, useMap, useNode, useNodeSuspense, useSyncStatus, useUser } from '../../src/react/index.js'

interface Todo {
  title: string
  done: boolean
}
interface Schema {
  todos: Record<string, Todo>
}

/**
 * What the hooks' types say, checked by `npm run typecheck` (the functions below are type-checked,
 * never called: hooks only run inside a component, test/browser/react-hooks.test.ts).
 */
function typedHooks() {
  const db = createDb<Schema>({ indexedDb: false })
  expectTypeOf(useMap(db.get('todos'))).toEqualTypeOf<readonly MapRow<DataOf<Todo>>[]>()
  expectTypeOf(useNode(db.get('todos').get('t1'))).toEqualTypeOf<DataOf<Todo> | undefined>()
  expectTypeOf(useNodeSuspense(db.get('todos').get('t1').get('title'))).toEqualTypeOf<string | undefined>()
  expectTypeOf(useUser<{ name: string }>(db).user).toEqualTypeOf<TypedUser<{ name: string }>>()
  expectTypeOf(useSyncStatus(db)).toEqualTypeOf<'offline' | 'syncing' | 'synced'>()
  return TrellisProvider({ db })
}

/** A database without a schema, and an untyped (Gun drop-in) chain, are accepted too. */
function untypedHooks(chain: Chain) {
  const db = createDb()
  useSyncStatus(db)
  useUser(db)
  expectTypeOf(useNode(chain)).toEqualTypeOf<Data>()
  expectTypeOf(useMap(chain)).toEqualTypeOf<readonly MapRow<Data>[]>()
  return TrellisProvider({ db })
}

describe('trellis/react types', () => {
  it('are checked by the type checker', () => {
    expectTypeOf(typedHooks).toBeFunction()
    expectTypeOf(untypedHooks).toBeFunction()
  })
})
