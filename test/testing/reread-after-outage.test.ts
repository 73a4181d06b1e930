import { afterEach, describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import type { StorageAdapter } from '../../src/core/storage-contract.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { createSimNetwork, type SimNetwork, type SimNodeOptions } from '../../src/testing/index.js'
import { waitUntil } from '../support/wait.js'

let net: SimNetwork | undefined
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && net !== undefined) console.error(`sim network seed: ${net.seed}`)
  await net?.close()
  net = undefined
})

/**
 * Found by replicas.property.test.ts (relay mesh, fast-check seed 820287490 path 20, and 839771472 path 9).
 * After an outage that broke both a client's link and its relay's link to another relay, the client re-asks
 * its relay for a soul. The relay answers at once from what it holds (stale: it missed a push during the
 * outage) and forwards the GET to the other relay; that relay's newer answer is passed back to the client
 * under the same `@`, but the client freed its route at the first answer and drops it; and the relay,
 * having routed that answer to the client, leaves the client out of the push of what it merged. The
 * client stayed stale until the key changed again. Fixed in the relay (reply-handler.ts): once the asker has
 * a complete answer under that id, what a later reply changes is pushed to it like to any subscriber.
 */
/** Relays as `trellis serve` runs them by default with a cluster secret: a store, catch-up over every relay link. */
const deployed = (): SimNodeOptions => ({ relay: true, storage: createMemoryStorage(), peerSecret: 'cluster secret', catchUp: { intervalMs: 0 } })

describe('a client re-reading after an outage', () => {
  // With catch-up the relays are in step again at once, but the client still missed it: the forwarded reply
  // is merged first, so the catch-up page changes nothing there and pushes nothing.
  it.each([
    ['peered one way, no secret (no catch-up between them)', (): SimNodeOptions => ({ relay: true })],
    ['with the cluster secret and catch-up', deployed],
  ])('gets the newest value its relay learns from another relay while answering (%s)', async (_, relay) => {
    net = createSimNetwork({ seed: 5, delayMs: [0, 0] })
    const r1 = net.add('r1', relay())
    const r2 = net.add('r2', relay())
    const c1 = net.add('c1')
    let relayLink = net.link(r1, r2)
    let clientLink = net.link(c1, r1)
    c1.gun.get('doc').on(() => {})
    await net.settle()
    r1.gun.get('doc').put({ k: 'v1' })
    await net.settle()
    expect(c1.engine.peek('doc')?.get('k')).toBe('v1')
    // The outage: r2's write does not reach r1 (nor, through it, c1). It wins by state, or on a tie of states
    // (the same millisecond) by its greater text.
    net.partition([r2], [r1, c1])
    r2.gun.get('doc').put({ k: 'v2' })
    await net.settle()
    net.heal()
    // Both links were lost in the outage and are redialled.
    relayLink.close()
    clientLink.close()
    relayLink = net.link(r1, r2)
    clientLink = net.link(c1, r1)
    await net.settle()
    expect(r1.engine.peek('doc')?.get('k')).toBe('v2')
    expect(c1.engine.peek('doc')?.get('k')).toBe('v2')
  })
})

describe('a client re-reading through a relay whose relay peer answers late', () => {
  it('gets the data that comes after the relay told it "not found"', async () => {
    // r2 holds the soul in storage and reads it slowly (the gate); r1 gives up waiting (forwardTimeoutMs)
    // and tells c1 "not found", which ends c1's re-read. r2's answer then reaches r1, which merges it:
    // it must reach c1 too (as a push: c1 is subscribed by its GET and no longer takes the reply).
    net = createSimNetwork({ seed: 9, delayMs: [0, 0], limits: { forwardTimeoutMs: 20 } })
    const backing = createMemoryStorage()
    const held = new GraphNode('doc')
    held.set('k', 'v', 1_700_000_000_000)
    await backing.put([held])
    let open: () => void = () => {}
    const gate = new Promise<void>((resolve) => (open = resolve))
    const slow: StorageAdapter = {
      get: async (soul, range) => {
        await gate
        return backing.get(soul, range)
      },
      put: (nodes) => backing.put(nodes),
      souls: (range) => backing.souls(range),
      close: () => backing.close(),
    }
    const r1 = net.add('r1', { relay: true })
    const r2 = net.add('r2', { relay: true, storage: slow })
    const c1 = net.add('c1')
    // c1 reads the soul while r1 has no relay peer: "not found".
    let clientLink = net.link(c1, r1)
    c1.gun.get('doc').on(() => {})
    await net.settle()
    // c1's link is lost; r1 links to r2 meanwhile (with no subscriber of the soul, so it asks r2 nothing).
    clientLink.close()
    net.link(r1, r2)
    await net.settle()
    // c1 reconnects and re-asks r1, which forwards to r2 and waits.
    clientLink = net.link(c1, r1)
    await net.settle()
    const routes = c1.mesh.stats().routes
    await waitUntil(() => c1.mesh.stats().routes < routes, 'c1 hears "not found"', 5_000)
    open()
    await net.settle()
    await waitUntil(() => r1.engine.peek('doc') !== undefined, 'r1 holds doc', 5_000)
    await net.settle()
    expect(r1.engine.peek('doc')?.get('k')).toBe('v')
    expect(c1.engine.peek('doc')?.get('k')).toBe('v')
  })
})
