import { expect, it } from 'vitest'
import Gun from '../../src/gun.js'
import type { Ack } from '../../src/core/engine-types.js'
import type { GraphNode } from '../../src/core/node.js'

// Writes through a write hook (SEA's signer) are pipelined (root.ts): builds and hooks overlap, applies run
// in issue order. A write refused on the way (its build or its hook failed) must not let the writes after
// it, or a read issued after them, overtake the writes before it.

it('a write refused in the pipeline keeps the writes after it, and a read issued after them, behind the earlier writes', async () => {
  const gun = Gun()
  let release = () => {}
  let hookSawAfter = () => {}
  const afterHooked = new Promise<void>((resolve) => (hookSawAfter = resolve))
  // The hook holds writes to `slow` (a signature still being made), passes the others at once.
  gun.root.setWriteHook((nodes: GraphNode[]) => {
    if (nodes.some((node) => node.soul === 'after')) hookSawAfter()
    if (!nodes.some((node) => node.soul === 'slow')) return nodes
    return new Promise<GraphNode[]>((resolve) => (release = () => resolve(nodes)))
  })
  const acks: string[] = []
  let badAnswered = () => {}
  const badHeard = new Promise<void>((resolve) => (badAnswered = resolve))
  const heard = (label: string) => (ack: Ack) => {
    acks.push(ack.err === undefined ? label : `${label}: ${ack.err}`)
    if (label === 'bad') badAnswered()
  }
  gun.get('slow').get('k').put(1, heard('slow'))
  gun.get('bad').put({ v: Number.NaN }, heard('bad'))
  gun.get('after').get('k').put(2, heard('after'))
  const read = gun
    .get('slow')
    .get('k')
    .then((value) => value)
  // The refused write is answered and the one after it has passed the hook, all while `slow` is held.
  await Promise.all([badHeard, afterHooked])
  release()
  expect(await read).toBe(1)
  await gun.synced()
  expect(acks).toEqual(['bad: Invalid data: number at bad.v', 'slow', 'after'])
})
