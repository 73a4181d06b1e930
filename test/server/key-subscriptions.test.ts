import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { clockPasses } from '../support/wait.js'
import { rawClient, roundTrip, type RawClient } from './helpers.js'

type Msg = Record<string, unknown>
type Graph = Record<string, Record<string, unknown>>

/**
 * Pushes follow what a peer asked for, as a stock AXE relay's do: a GET of
 * one key subscribes to that key, a GET of the node (or a key range) to all
 * of it; a put of several souls reaches each subscriber with its souls only.
 */
describe('a relay pushes what each subscriber asked for', () => {
  let relay: Relay
  let writer: RawClient
  let oneKey: RawClient
  let twoKeys: RawClient
  let whole: RawClient
  let other: RawClient
  let writes = 0
  let lastState = 0

  const ask = async (c: RawClient, get: Msg) => {
    const id = `get${Math.random().toString(36).slice(2)}`
    c.send({ '#': id, get })
    await c.waitFor((m) => m['@'] === id)
  }
  const write = async (graph: Record<string, Record<string, unknown>>) => {
    const id = `w${++writes}`
    // Each write replaces the last, so it needs a later state: HAM breaks a tie by value, not by order.
    lastState = await clockPasses(lastState)
    const put: Graph = {}
    for (const [soul, data] of Object.entries(graph))
      put[soul] = { _: { '#': soul, '>': Object.fromEntries(Object.keys(data).map((k) => [k, lastState])) }, ...data }
    writer.send({ '#': id, put })
    expect((await writer.waitFor((m) => m['@'] === id)).ok).toBe(true)
    // The relay pushes a change before it acks it (listeners hear it first), and sends to each peer in order:
    // once each reader's round trip is back, every push of this write has arrived.
    await Promise.all([oneKey, twoKeys, whole, other].map((c) => roundTrip(c)))
  }
  /** Everything pushed to `c` (puts that answer nothing), merged per soul. */
  const pushed = (c: RawClient): Graph => {
    const graph: Graph = {}
    for (const m of c.heard) {
      if (m['@'] !== undefined || m.put === undefined) continue
      for (const [soul, node] of Object.entries(m.put as Graph)) {
        const { _, ...data } = node
        graph[soul] = { ...graph[soul], ...data }
      }
    }
    return graph
  }

  beforeAll(async () => {
    relay = await createRelay({ port: 0, admin: false })
    ;[writer, oneKey, twoKeys, whole, other] = await Promise.all(['w', 'k1', 'k2', 'all', 'o'].map((pid) => rawClient(relay.url, { pid })))
    await write({ room: { title: 'start', topic: 'none', count: 0 }, lobby: { open: true } })
    await ask(oneKey, { '#': 'room', '.': 'title' })
    await ask(twoKeys, { '#': 'room', '.': 'title' })
    await ask(twoKeys, { '#': 'room', '.': 'count' })
    await ask(whole, { '#': 'room' })
    await ask(other, { '#': 'lobby' })
  })
  afterAll(async () => {
    for (const c of [writer, oneKey, twoKeys, whole, other]) c.close()
    await relay.close()
  })

  it('a key subscriber gets its keys only; a node subscriber gets every key', async () => {
    await write({ room: { count: 1 } })
    await write({ room: { title: 'hello', topic: 'greetings' } })
    expect(pushed(oneKey)).toEqual({ room: { title: 'hello' } })
    expect(pushed(twoKeys)).toEqual({ room: { title: 'hello', count: 1 } })
    expect(pushed(whole)).toEqual({ room: { title: 'hello', topic: 'greetings', count: 1 } })
    expect(pushed(other)).toEqual({})
  })

  it('a put of several souls reaches each subscriber with its own souls only', async () => {
    await write({ room: { count: 2 }, lobby: { open: false } })
    expect(pushed(other)).toEqual({ lobby: { open: false } })
    expect(pushed(whole).room.count).toBe(2)
    expect(pushed(whole).lobby).toBeUndefined()
    expect(pushed(oneKey).lobby).toBeUndefined()
  })

  it('a node that a subscribed node now links to in the same put comes along (a list and its new item)', async () => {
    // `list.set(item)` writes both: the list's new link and the item's node. The subscriber would ask for the
    // item at once; the relay sends it with the push instead, saving that round trip.
    await write({ lobby: { newest: { '#': 'lobby/item1' } }, 'lobby/item1': { text: 'hi' }, unrelated: { x: 1 } })
    expect(pushed(other)).toMatchObject({ lobby: { newest: { '#': 'lobby/item1' } }, 'lobby/item1': { text: 'hi' } })
    expect(pushed(other).unrelated).toBeUndefined()
    // A key subscriber gets the linked node only when its keys hold the link.
    expect(pushed(oneKey)['lobby/item1']).toBeUndefined()
  })

  it('a later GET of the whole node widens a key subscription', async () => {
    await ask(oneKey, { '#': 'room' })
    await write({ room: { topic: 'widened' } })
    expect(pushed(oneKey).room.topic).toBe('widened')
  })
})
