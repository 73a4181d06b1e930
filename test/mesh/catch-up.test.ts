import { afterEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../src/core/engine-types.js'
import { createEngine } from '../../src/core/engine.js'
import { GraphNode } from '../../src/core/node.js'
import { createMesh } from '../../src/mesh/mesh.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { createSimNetwork, type SimNetwork, type SimNode } from '../../src/testing/index.js'
import { waitUntil } from '../support/wait.js'

/**
 * Catch-up between relays (src/mesh/catch-up.ts) on the simulated network:
 * writes a relay acknowledged while another was cut off reach it after the
 * heal through the change feed, although nobody reads them and every live
 * push across the partition was lost.
 */

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 10_000) => waitUntil(check, what, ms)

async function dump(engine: Engine): Promise<Record<string, Record<string, [unknown, number]>>> {
  const out: Record<string, Record<string, [unknown, number]>> = {}
  for (const soul of await engine.souls({})) {
    const node = await engine.read(soul)
    if (node === undefined) continue
    const keys: Record<string, [unknown, number]> = {}
    node.keys.forEach((k, i) => (keys[k] = [node.values[i], node.states[i]]))
    out[soul] = keys
  }
  return out
}

const put = (node: SimNode, soul: string, data: Record<string, string>) =>
  new Promise<void>((resolve, reject) =>
    node.gun.get(soul).put(data, (ack: { err?: string }) => (ack.err === undefined ? resolve() : reject(new Error(ack.err)))),
  )

let net: SimNetwork | undefined
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && net !== undefined) console.error(`sim network seed: ${net.seed}`)
  await net?.close()
  net = undefined
})

const catchUp = { intervalMs: 150, requestTimeoutMs: 300, retryMs: 50, pageBytes: 200 }

describe('catch-up between relays (simulated network)', () => {
  it('writes acknowledged on both sides of a partition reach every relay after the heal; all replicas identical', async () => {
    net = createSimNetwork({ delayMs: [0, 5], duplicate: 0.1 })
    const relays = ['r1', 'r2', 'r3'].map((name) => net!.add(name, { relay: true, storage: createMemoryStorage(), peerSecret: 'cluster', catchUp }))
    const [r1, r2, r3] = relays
    net.link(r1, r2)
    net.link(r2, r3)
    net.link(r1, r3)
    await net.settle()
    await put(r1, 'before', { k: 'v0' })
    await until(async () => (await r3.engine.read('before'))?.get('k') === 'v0', 'r3 has the write from before the partition')

    net.partition([r3], [r1, r2])
    // Many souls, so the catch-up takes several pages (pageBytes is tiny here).
    for (let i = 0; i < 30; i++) await put(r1, `during-${i}`, { k: `a${i}`, pad: 'x'.repeat(50) })
    await put(r3, 'other-side', { k: 'b' })
    await net.settle()
    expect(await r3.engine.read('during-0')).toBeUndefined()
    net.heal()

    await until(async () => {
      const [a, b, c] = await Promise.all(relays.map((r) => dump(r.engine)))
      return JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(b) === JSON.stringify(c) && c['during-29'] !== undefined && a['other-side'] !== undefined
    }, "all three relays hold the same graph, both sides' writes included")
    const stats = r3.mesh.catchUpStats()
    expect(stats?.pagesReceived).toBeGreaterThan(1)
    expect(stats?.passesCompleted).toBeGreaterThan(0)
  })

  it('a relay without catch-up (a stock relay) ignores the request; live replication goes on', async () => {
    net = createSimNetwork({ delayMs: [0, 2] })
    const r1 = net.add('r1', { relay: true, storage: createMemoryStorage(), peerSecret: 's', catchUp })
    const stock = net.add('stock', { relay: true, storage: createMemoryStorage(), peerSecret: 's' })
    net.link(r1, stock)
    await net.settle()
    await until(() => (r1.mesh.catchUpStats()?.requestsTimedOut ?? 0) > 0, 'the unanswered request timed out')
    await put(r1, 'live', { k: 'v' })
    await until(async () => (await stock.engine.read('live'))?.get('k') === 'v', 'the stock relay got the live push')
    expect(r1.mesh.catchUpStats()?.pagesReceived).toBe(0)
  })

  it('a client (not a proven relay) asking for the feed is refused, and sees none of it', async () => {
    const storage = createMemoryStorage()
    const engine = createEngine({ storage })
    const mesh = createMesh({ engine, relay: true, pid: 'relay', catchUp: { feed: storage.changes.bind(storage) } })
    const sent: string[] = []
    const handle = mesh.connect({ send: (t) => sent.push(t), close: () => {}, bufferedAmount: () => 0 }, { outgoing: false })
    const node = new GraphNode('secret')
    node.set('k', 'v', 1)
    await engine.put([node], { kind: 'local', id: 'x' })
    handle.hear(JSON.stringify({ '#': 'ask1', dam: 'sync' }))
    handle.hear(JSON.stringify({ '#': 'ask2', dam: 'sync', since: 'x'.repeat(100_000) }))
    handle.peer.batcher.flush()
    const replies = sent.join('\n')
    expect(replies).toContain('"err":"not a relay link"')
    expect(replies).not.toContain('"put"')
    mesh.close()
    await engine.close()
  })

  it('a page naming a soul twice (the log feed gives every entry) reaches the asker whole: HAM-merged, not last-wins', async () => {
    const engine = createEngine({})
    const entry = (key: string, value: string, state: number) => {
      const n = new GraphNode('s')
      n.set(key, value, state)
      return n
    }
    // Commit order as a log feed returns it: two entries of one soul, then an older copy (a compaction output).
    const page = [entry('a', 'new', 5), entry('b', 'v', 6), entry('a', 'old', 1)]
    const mesh = createMesh({ engine, relay: true, pid: 'relay', catchUp: { feed: async () => ({ nodes: page, next: 'c1', done: true, bytes: 1 }) } })
    const sent: string[] = []
    // A link we dialled to a relay: a relay peer on our side, so it is served.
    const handle = mesh.connect({ send: (t) => sent.push(t), close: () => {}, bufferedAmount: () => 0 }, { outgoing: true, url: 'ws://x', relay: true })
    handle.hear(JSON.stringify({ '#': 'ask', dam: 'sync' }))
    await until(() => {
      handle.peer.batcher.flush()
      return sent.some((t) => t.includes('"@":"ask"'))
    }, 'the page is sent')
    const reply = sent.flatMap((t) => JSON.parse(t) as unknown).find((m) => (m as { '@'?: string })['@'] === 'ask') as {
      put: Record<string, Record<string, unknown>>
    }
    expect(reply.put.s.a).toBe('new')
    expect(reply.put.s.b).toBe('v')
    mesh.close()
    await engine.close()
  })

  it('a node this relay refuses (its limits) is dropped and counted; the rest of the page is merged and the pass completes', async () => {
    const engine = createEngine({})
    const mesh = createMesh({
      engine,
      relay: true,
      pid: 'a',
      limits: { maxSoulChars: 20 },
      catchUp: { feed: async () => ({ nodes: [], next: 'x', done: true, bytes: 0 }) },
    })
    const sent: string[] = []
    const handle = mesh.connect({ send: (t) => sent.push(t), close: () => {}, bufferedAmount: () => 0 }, { outgoing: true, url: 'ws://b', relay: true })
    // The relay we dialled greets us: the handshake is done on our side, and we ask for its feed.
    handle.hear(JSON.stringify({ '#': 'g1', dam: '?', pid: 'b', nonce: 'n' }))
    const ask = async () => {
      handle.peer.batcher.flush()
      const all = sent.flatMap((t) => [JSON.parse(t)].flat() as Array<Record<string, unknown>>)
      return all.find((m) => m.dam === 'sync' && m['@'] === undefined)
    }
    await until(async () => (await ask()) !== undefined, 'we ask the relay for its feed')
    const request = (await ask()) as { '#': string }
    const long = 'x'.repeat(50)
    handle.hear(
      JSON.stringify({
        '#': 'p1',
        '@': request['#'],
        dam: 'sync',
        next: 'c1',
        done: true,
        put: { ok: { _: { '#': 'ok', '>': { k: 1 } }, k: 'v' }, [long]: { _: { '#': long, '>': { k: 1 } }, k: 'v' } },
      }),
    )
    await until(() => mesh.catchUpStats()?.passesCompleted === 1, 'the pass completes')
    expect((await engine.read('ok'))?.get('k')).toBe('v')
    expect(await engine.read(long)).toBeUndefined()
    expect(mesh.catchUpStats()?.nodesRefused).toBe(1)
    mesh.close()
    await engine.close()
  })
})
