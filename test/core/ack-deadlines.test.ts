import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Ack, Network } from '../../src/core/engine-types.js'
import { createAckDeadlines } from '../../src/core/chain/ack-deadlines.js'
import { createInstance } from '../../src/instance.js'

afterEach(() => {
  vi.useRealTimers()
})

/** A network with a peer that never answers: every write waits for an ack that does not come. */
function silentNetwork(): Network {
  return { peerCount: 1, hasPeers: true, fetch: async () => true, publish: () => {} }
}

describe('ack deadlines (Gun’s lack)', () => {
  it('tells each unanswered write "No ACK yet." once its own timeout has passed, and no one else', () => {
    vi.useFakeTimers()
    const deadlines = createAckDeadlines(1000)
    const seen: [string, Ack][] = []
    deadlines.expectBy('a', (ack) => seen.push(['a', ack]))
    vi.advanceTimersByTime(400)
    deadlines.expectBy('b', (ack) => seen.push(['b', ack]))
    deadlines.expectBy('c', (ack) => seen.push(['c', ack]))
    deadlines.delete('c')
    vi.advanceTimersByTime(599)
    expect(seen).toEqual([])
    vi.advanceTimersByTime(1)
    expect(seen).toEqual([['a', { err: 'Error: No ACK yet.', lack: true }]])
    vi.advanceTimersByTime(400)
    expect(seen.map(([id]) => id)).toEqual(['a', 'b'])
    expect(deadlines.size).toBe(0)
  })

  it('a put whose peer never acks gets { err, lack } after ackTimeout, exactly once', async () => {
    vi.useFakeTimers()
    const db = createInstance({ ackTimeout: 5000, peers: ['ws://127.0.0.1:9/never-dialled'] }, (root) => {
      root.setNetwork(silentNetwork())
      return undefined
    })
    const acks: Ack[] = []
    db.get('s').put({ a: 1 }, (ack) => acks.push(ack))
    await vi.advanceTimersByTimeAsync(4999)
    expect(acks).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(acks).toEqual([{ err: 'Error: No ACK yet.', lack: true }])
    await vi.advanceTimersByTimeAsync(20_000)
    expect(acks).toHaveLength(1)
    expect(db.pending).toBe(1) // still not synced: no peer has it yet
  })
})
