import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import { createMesh } from '../../src/mesh/mesh.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { waitUntil } from '../support/wait.js'

/**
 * Found by test/testing/replicas.property.test.ts (peered relays, TRELLIS_SEED=385472385): relay A dials B
 * and asks for B's feed before B has checked A's proof, so B refuses ("not a relay link"); B's check then
 * passes and B asks A for A's feed. That request can reach A before the refusal does (frames reorder; on
 * real sockets, B's answer and request cross A's own). A served it while its own request was still in
 * flight, so nothing was marked refused yet to restart, and when the refusal came A marked the link
 * refused and waited for B to ask again: with `--sync-interval 0` A never caught up from B until the next
 * reconnect, otherwise only at the next interval.
 */
describe('catch-up: a refusal overtaken by the other relay asking us', () => {
  it('asks again at once', async () => {
    const storage = createMemoryStorage()
    const engine = createEngine({ storage })
    const mesh = createMesh({ engine, relay: true, pid: 'a', catchUp: { feed: storage.changes.bind(storage), intervalMs: 0 } })
    const sent: string[] = []
    const handle = mesh.connect({ send: (t) => sent.push(t), close: () => {}, bufferedAmount: () => 0 }, { outgoing: true, url: 'ws://b', relay: true })
    const requests = () => {
      handle.peer.batcher.flush()
      return sent.flatMap((t) => [JSON.parse(t)].flat() as Array<Record<string, unknown>>).filter((m) => m.dam === 'sync' && m['@'] === undefined)
    }
    const until = (check: () => boolean, what: string) => waitUntil(check, what, 5_000)
    // B greets our dialled link: the handshake is done on our side, and we ask for B's feed.
    handle.hear(JSON.stringify({ '#': 'g1', dam: '?', pid: 'b', nonce: 'n' }))
    await until(() => requests().length === 1, 'we ask b for its feed')
    const first = requests()[0]['#'] as string
    // B has proven us meanwhile and asks for our feed; its refusal of our request comes after.
    handle.hear(JSON.stringify({ '#': 'b-asks', dam: 'sync' }))
    await until(() => sent.some((t) => t.includes('"@":"b-asks"')), 'we answer b')
    handle.hear(JSON.stringify({ '#': 'b-refuses', '@': first, dam: 'sync', err: 'not a relay link' }))
    await until(() => requests().length === 2, 'we ask b again')
    expect(requests()[1]['#']).not.toBe(first)
    mesh.close()
    await engine.close()
  })
})
