import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import Gun from '../../src/gun.js'
import type { Ack } from '../../src/core/engine-types.js'
import { waitUntil } from '../support/wait.js'
import { stockNodeGun } from '../server/helpers.js'

// open() and load(), built in (stock ships them as plugins: gun/lib/open, gun/lib/load, the oracle here).

const require = createRequire(import.meta.url)
const ackOf = (run: (cb: (ack: Ack) => void) => void) => new Promise<Ack>((resolve) => run(resolve))

type Tree = Record<string, unknown>
type Loadable = {
  get(key: string): Loadable
  put(data: unknown, cb?: (ack: Ack) => void): Loadable
  load(cb: (tree: unknown, key: string) => void, options?: Record<string, unknown>): unknown
}

/** A tree as JSON-like text: an object met again on its own ancestor path is written as its path (a cycle). */
function shape(value: unknown, path = '$', ancestors = new Map<object, string>()): unknown {
  if (value === null || typeof value !== 'object') return value
  const seenAt = ancestors.get(value)
  if (seenAt !== undefined) return `[cycle to ${seenAt}]`
  ancestors.set(value, path)
  const out: Tree = {}
  for (const key of Object.keys(value).sort()) out[key] = shape((value as Tree)[key], `${path}.${key}`, ancestors)
  ancestors.delete(value)
  return out
}

/** The same graph in stock and in Trellis: a tree three levels deep, with a link from B back up to A (a cycle). */
async function writeGraph(gun: Loadable): Promise<void> {
  await ackOf((cb) => gun.get('top').put({ name: 'root', a: { name: 'A', b: { name: 'B', deep: { v: 1 } } } }, cb))
  await ackOf((cb) => gun.get('top').get('a').get('b').get('back').put(gun.get('top').get('a'), cb))
}

const loadOf = (chain: Loadable, options?: Record<string, unknown>) =>
  new Promise<[unknown, string]>((resolve) => chain.load((tree, key) => resolve([tree, key]), options))

describe('load(): the whole subtree once', () => {
  it('gives the tree stock gives, the cycle as the same object, and the depth bound as stock cuts it', async () => {
    require('gun/lib/load')
    const stock = stockNodeGun([]) as unknown as Loadable
    await writeGraph(stock)
    const gun = Gun() as unknown as Loadable
    await writeGraph(gun)

    const [stockTree, stockKey] = await loadOf(stock.get('top'))
    const [tree, key] = await loadOf(gun.get('top'))
    expect(key).toBe(stockKey)
    expect(shape(tree)).toEqual(shape(stockTree))
    expect(shape(tree)).toEqual({
      name: 'root',
      a: { name: 'A', b: { name: 'B', deep: { v: 1 }, back: '[cycle to $.a]' } },
    })
    const a = (tree as Tree).a as Tree
    expect((a.b as Tree).back).toBe(a)

    for (const depth of [1, 2]) {
      const [stockCut] = await loadOf(stock.get('top'), { depth })
      const [cut] = await loadOf(gun.get('top'), { depth })
      expect(shape(cut)).toEqual(shape(stockCut))
    }
    expect(shape((await loadOf(gun.get('top'), { depth: 1 }))[0])).toEqual({ name: 'root', a: { '#': 'top/a' } })

    // A value is itself; `_` only on request (stock's `meta`).
    expect(await loadOf(gun.get('top').get('name'))).toEqual(['root', 'name'])
    expect(((await loadOf(gun.get('top'), { meta: true }))[0] as Tree)._).toMatchObject({ '#': 'top' })
  })

  it('completes with undefined where nothing is (stock never calls back), and bounds the nodes it opens', async () => {
    const gun = Gun()
    expect(await loadOf(gun.get('nothing') as unknown as Loadable)).toEqual([undefined, 'nothing'])
    // A chain of 30 nodes: with maxNodes 10, the 10th node's link stays a link.
    let data: Tree = { end: true }
    for (let i = 29; i >= 1; i--) data = { i, next: data }
    await ackOf((cb) => gun.get('long').put(data, cb))
    let [tree] = await loadOf(gun.get('long') as unknown as Loadable, { maxNodes: 10 })
    let opened = 0
    while (typeof tree === 'object' && tree !== null && !('#' in tree)) {
      opened++
      tree = (tree as Tree).next
    }
    expect(opened).toBe(10)
    expect(tree).toMatchObject({ '#': expect.stringMatching(/^long(\/next){10}$/) })
  })

  it('after map(), one tree per item', async () => {
    const gun = Gun()
    gun.get('people').set({ name: 'Ann', pet: { kind: 'cat' } })
    gun.get('people').set({ name: 'Bob', pet: { kind: 'dog' } })
    const heard: unknown[] = []
    gun
      .get('people')
      .map()
      .load((tree) => heard.push(shape(tree)))
    await waitUntil(() => heard.length === 2, 'both items')
    expect(heard.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      { name: 'Ann', pet: { kind: 'cat' } },
      { name: 'Bob', pet: { kind: 'dog' } },
    ])
  })
})

describe('open(): the whole subtree, again after each change', () => {
  it('re-delivers the tree when a deep node changes or a link moves, until off()', async () => {
    const gun = Gun()
    await writeGraph(gun as unknown as Loadable)
    const trees: unknown[] = []
    let off = () => {}
    gun.get('top').open((tree, _key, _options, event) => {
      off = event.off
      trees.push(shape(tree))
    })
    await waitUntil(() => trees.length === 1, 'the first tree')
    await ackOf((cb) => gun.get('top').get('a').get('b').get('deep').put({ v: 2 }, cb))
    await waitUntil(() => trees.length === 2, 'the tree after a deep change')
    expect(trees[1]).toMatchObject({ a: { b: { deep: { v: 2 } } } })
    // Re-link `a` to a new node: the old subtree is let go, the new one followed.
    await ackOf((cb) =>
      gun
        .get('top')
        .get('a')
        .put(gun.get('other').put({ name: 'other', more: { x: 1 } }), cb),
    )
    await waitUntil(() => trees.length >= 3 && JSON.stringify(trees.at(-1)).includes('other'), 'the tree after the link moved')
    expect(trees.at(-1)).toEqual({ name: 'root', a: { name: 'other', more: { x: 1 } } })
    const count = trees.length
    await ackOf((cb) => gun.get('other').get('more').put({ x: 2 }, cb))
    await waitUntil(() => trees.length === count + 1, 'a change under the new link')
    off()
    await ackOf((cb) => gun.get('other').get('more').put({ x: 3 }, cb))
    // The barrier: a listener added after off() hears x: 3, so open's listener had its chance too.
    await new Promise<void>((resolve) =>
      gun
        .get('other')
        .get('more')
        .get('x')
        .once(() => resolve()),
    )
    expect(trees.length).toBe(count + 1)
  })

  it('below a LEX step, opens the keys in range and is heard again only for changes inside it', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('list').put({ a1: { v: 1 }, b1: 'out' }, cb))
    const trees: unknown[] = []
    gun
      .get('list')
      .get({ '.': { '*': 'a' } })
      .open((tree) => trees.push(shape(tree)), { wait: 0 })
    await waitUntil(() => trees.length === 1, 'the first tree')
    expect(trees[0]).toEqual({ a1: { v: 1 } })
    await ackOf((cb) => gun.get('list').put({ b2: 'out too' }, cb))
    // The barrier: timers run in order, so a rebuild this change scheduled (wait: 0) has run by now.
    await new Promise((resolve) => setTimeout(resolve, 0))
    await ackOf((cb) => gun.get('list').put({ a2: 'in' }, cb))
    await waitUntil(() => trees.length >= 2, 'the change inside the range')
    expect(trees).toEqual([{ a1: { v: 1 } }, { a1: { v: 1 }, a2: 'in' }])
  })

  it('leaves a link to nothing out, and fills it in once the node is written', async () => {
    const gun = Gun()
    await ackOf((cb) => gun.get('d').put({ to: { '#': 'later' } }, cb))
    const trees: unknown[] = []
    gun.get('d').open((tree) => trees.push(shape(tree)))
    await waitUntil(() => trees.length === 1, 'the first tree')
    expect(trees[0]).toEqual({})
    await ackOf((cb) => gun.get('later').put({ here: true }, cb))
    await waitUntil(() => trees.length === 2, 'the tree once the link has a node')
    expect(trees[1]).toEqual({ to: { here: true } })
  })
})
