import { describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import type { StorageAdapter } from '../../src/core/storage-contract.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { openLater } from '../../src/storage/open-later.js'

const node = (soul: string, key: string, value: string) => new GraphNode(soul, [key], [value], [1])

/** A store whose opening the test finishes (or fails) when it chooses. */
function opening() {
  let finish!: (store: StorageAdapter) => void
  let fail!: (error: Error) => void
  const promise = new Promise<StorageAdapter>((resolve, reject) => {
    finish = resolve
    fail = reject
  })
  return { promise, finish, fail }
}

describe('openLater: a store usable while it opens', () => {
  it('queues calls made while opening, in order, and answers at once (getNow) once open', async () => {
    const { promise, finish } = opening()
    const store = openLater(promise)
    expect(store.getNow).toBeUndefined()
    const first = store.put([node('a', 'k', '1')])
    const second = store.put([node('a', 'k', '2')])
    const read = store.get('a')
    const souls = store.souls()
    finish(createMemoryStorage())
    await Promise.all([first, second])
    expect((await read)?.get('k')).toBe('2')
    expect(await souls).toEqual(['a'])
    expect(store.getNow?.('a')?.get('k')).toBe('2')
    expect(store.health?.()).toEqual({ ok: true })
    await store.close()
  })

  it('rejects every call with the opening error, and says so in health()', async () => {
    const { promise, fail } = opening()
    const store = openLater(promise)
    const put = store.put([node('a', 'k', '1')])
    fail(new Error('radata is in use by pid 7'))
    await expect(put).rejects.toThrow(/in use by pid 7/)
    await expect(store.get('a')).rejects.toThrow(/in use/)
    expect(store.health?.()).toMatchObject({ ok: false, error: 'radata is in use by pid 7' })
    await store.close()
  })
})
