import { describe, expect, it } from 'vitest'
import { createEngine } from '../../src/core/engine.js'
import { GraphNode } from '../../src/core/node.js'
import { createClientMesh } from '../../src/mesh/client-mesh.js'
import { CLOSE_BACKLOG, MIN_FRAME_CHARS } from '../../src/mesh/fair.js'
import { waitUntil } from '../support/wait.js'

/** A relay's link as the client mesh sees it (in process): records the GET answers (`@`) and the close codes. */
function relayLink() {
  const answered: string[] = []
  const closes: number[] = []
  const link = {
    send: (text: string) => {
      for (const m of text.matchAll(/"@":"(q\d+)"/g)) answered.push(m[1])
    },
    close: (code?: number) => void closes.push(code ?? 0),
    bufferedAmount: () => 0,
  }
  return { link, answered, closes }
}

const gets = (from: number, to: number) =>
  JSON.stringify(Array.from({ length: to - from }, (_, i) => ({ '#': `q${from + i}`, get: { '#': `none/${from + i}` } })))

describe('client mesh inbound work (client-work.ts)', () => {
  it("keeps a relay's frames in order: a frame heard while a batch frame is still being handled waits for it", async () => {
    // packChars 1: every answer is written at once, so `answered` is the order they were made in.
    const mesh = createClientMesh({ engine: createEngine(), limits: { packChars: 1 } })
    const { link, answered } = relayLink()
    const handle = mesh.connect(link, { outgoing: true })
    handle.hear(gets(0, 300)) // sliced: 64 messages a step
    handle.hear(gets(300, 310))
    await waitUntil(() => answered.length >= 310, 'every GET answered')
    expect(answered).toEqual(Array.from({ length: 310 }, (_, i) => `q${i}`))
    mesh.close()
  })

  it('closes a relay link with 1013 when frames waiting behind its work pass maxPeerBacklogChars (memory stays bounded)', () => {
    const mesh = createClientMesh({ engine: createEngine(), limits: { maxPeerBacklogChars: 200_000 } })
    const { link, closes } = relayLink()
    const handle = mesh.connect(link, { outgoing: true })
    // A relay flooding batch frames faster than a step per macrotask drains them: all heard in one go.
    let frames = 0
    while (closes.length === 0 && frames < 1000) handle.hear(gets(frames * 100, ++frames * 100))
    expect(closes).toEqual([CLOSE_BACKLOG])
    expect(frames * gets(0, 100).length).toBeLessThan(200_000 + 2 * gets(0, 100).length)
    mesh.close()
  })

  it('counts a tiny frame waiting behind its work as at least MIN_FRAME_CHARS (a flood of empty batches stays bounded)', () => {
    const mesh = createClientMesh({ engine: createEngine(), limits: { maxPeerBacklogChars: 50_000 } })
    const { link, closes } = relayLink()
    const handle = mesh.connect(link, { outgoing: true })
    handle.hear(gets(0, 100)) // sliced: the frames after it wait
    let frames = 0
    while (closes.length === 0 && frames < 100_000) {
      handle.hear('[]')
      frames++
    }
    expect(closes).toEqual([CLOSE_BACKLOG])
    expect(frames).toBeLessThan(50_000 / MIN_FRAME_CHARS + 2)
    mesh.close()
  })

  it("waits while its answer to a relay's GET is still queued for the socket, instead of closing the relay as a slow consumer", async () => {
    const engine = createEngine()
    const keys = 20_000
    const node = new GraphNode('big')
    for (let i = 0; i < keys; i++) node.set(`key${i}`, `value ${i} of a node a relay asks this client back for`, 1700000000000)
    await engine.put([node], { kind: 'local', id: 'w' })
    const mesh = createClientMesh({ engine, limits: { maxQueueChars: 400_000 } })
    // A socket whose queue drains only when the test says (a slow network): bufferedAmount as a WebSocket reports it.
    let buffered = 0
    let sent = 0
    const closes: number[] = []
    const handle = mesh.connect(
      {
        send: (text) => {
          buffered += text.length
          sent += (text.match(/"key\d+"/g) ?? []).length
        },
        close: (code) => void closes.push(code ?? 0),
        bufferedAmount: () => buffered,
      },
      { outgoing: true },
    )
    handle.hear(JSON.stringify({ '#': 'ask', get: { '#': 'big' } }))
    // The reply goes a chunk per step; with nothing drained it stops at the high-water mark, the link kept.
    await waitUntil(() => sent > 0, 'the first chunk sent')
    for (let turn = 0; turn < 50; turn++) await new Promise<void>((resolve) => setImmediate(resolve))
    expect(closes).toEqual([])
    expect(buffered).toBeLessThan(400_000)
    // The network drains: the rest follows.
    await waitUntil(() => {
      buffered = 0
      return sent >= keys
    }, 'every key sent')
    expect(closes).toEqual([])
    mesh.close()
  })
})
