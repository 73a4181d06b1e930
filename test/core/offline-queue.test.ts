import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import type { StorageAdapter, UnsentJournal, UnsentWrite } from '../../src/index.node.js'
import { createDb, createEngine, createMemoryStorage, GraphNode, type SyncStatus } from '../../src/index.node.js'
import { freePort } from '../server/processes.js'
import { waitUntil } from '../support/wait.js'

type Msg = Record<string, unknown>

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** The storage contract's offline queue, in memory: what a browser keeps in IndexedDB. */
function memoryJournal(): UnsentJournal & { held: Map<string, string> } {
  const held = new Map<string, string>()
  return {
    held,
    add: async (write: UnsentWrite) => void held.set(write.id, write.put),
    remove: async (id: string) => void held.delete(id),
    list: async () => [...held].map(([id, put]) => ({ id, put })),
  }
}

/** A relay stand-in on 127.0.0.1 that greets like Gun and acks every put, recording them. */
async function ackingRelay(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const puts: Msg[] = []
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ '#': 'greet', dam: '?', pid: 'fake-relay' }))
    socket.on('message', (data) => {
      for (const msg of [JSON.parse(data.toString())].flat() as Msg[]) {
        if (msg.put === undefined || msg['@'] !== undefined) continue
        puts.push(msg)
        socket.send(JSON.stringify({ '#': `r${puts.length}`, '@': msg['#'], ok: 1 }))
      }
    })
  })
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())))
  return { url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}/gun`, puts }
}

describe('the offline queue (storage.unsent) and the sync status', () => {
  it('a write no relay acked is journaled, resent by the next run under a fresh id, and cleared by its ack', async () => {
    const journal = memoryJournal()
    const storage: StorageAdapter = Object.assign(createMemoryStorage(), { unsent: journal })
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/gun`

    // Run 1: the relay is down. The write waits, journaled; the status says offline.
    const first = createDb({ peers: [url], storage })
    const seen: SyncStatus[] = [first.syncStatus]
    first.onSyncStatus((s) => seen.push(s))
    first.get('doc').put({ text: 'written offline' })
    await waitUntil(() => journal.held.size === 1, 'the write journaled')
    expect(first.syncStatus).toBe('offline')
    expect(first.pending).toBe(1)
    const [queuedId] = journal.held.keys()
    await first.close()
    expect(seen).toEqual(['offline'])

    // Run 2 on the same storage: never 'synced' before the queue is sent and acked.
    const relay = await ackingRelay(port)
    const second = createDb({ peers: [url], storage })
    cleanups.push(() => second.close())
    const statuses: SyncStatus[] = [second.syncStatus]
    second.onSyncStatus((s) => statuses.push(s))
    await second.synced()
    expect(statuses.at(-1)).toBe('synced')
    expect(statuses.slice(0, -1)).not.toContain('synced')
    expect(relay.puts).toHaveLength(1)
    expect(relay.puts[0]['#']).not.toBe(queuedId)
    expect(JSON.stringify(relay.puts[0].put)).toContain('written offline')
    expect(journal.held.size).toBe(0)
  })

  it('an acked write leaves the journal; without peers nothing is journaled', async () => {
    const relay = await ackingRelay()
    const journal = memoryJournal()
    const db = createDb({ peers: [relay.url], storage: Object.assign(createMemoryStorage(), { unsent: journal }) })
    cleanups.push(() => db.close())
    await new Promise((resolve) => db.get('a').put({ v: 1 }, resolve))
    await db.synced()
    expect(db.syncStatus).toBe('synced')
    await waitUntil(() => journal.held.size === 0, 'the acked write removed')
    const local = memoryJournal()
    const alone = createDb({ storage: Object.assign(createMemoryStorage(), { unsent: local }) })
    cleanups.push(() => alone.close())
    await new Promise((resolve) => alone.get('a').put({ v: 1 }, resolve))
    expect(local.held.size).toBe(0)
    expect(alone.syncStatus).toBe('synced')
  })

  it("origin 'storage' (another tab's durable change): listeners hear it, nothing is stored again", async () => {
    const shared = createMemoryStorage()
    let puts = 0
    const counted: StorageAdapter = {
      get: shared.get.bind(shared),
      souls: shared.souls.bind(shared),
      close: shared.close.bind(shared),
      put: (nodes) => {
        puts++
        return shared.put(nodes)
      },
    }
    const writer = createEngine({ storage: shared })
    const reader = createEngine({ storage: counted })
    const heard: string[] = []
    reader.watch('doc', (diff) => heard.push(...diff.keys))
    const change = new GraphNode('doc')
    change.set('text', 'hello', 1)
    // Not in the reader's memory: loaded from storage (which has it), and heard.
    const done = await writer.put([change], { kind: 'local', id: 'w1' })
    await done.durable
    await reader.put([change], { kind: 'storage' })
    // In memory now: merged by HAM, heard again only when it is news.
    const next = new GraphNode('doc')
    next.set('text', 'again', 2)
    await (await writer.put([next], { kind: 'local', id: 'w2' })).durable
    await reader.put([next], { kind: 'storage' })
    await reader.put([next], { kind: 'storage' })
    expect(heard).toEqual(['text', 'text'])
    expect(reader.peek('doc')?.get('text')).toBe('again')
    expect(puts).toBe(0)
  })
})
