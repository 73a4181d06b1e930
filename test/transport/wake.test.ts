import { type AddressInfo, createServer, type Socket } from 'node:net'
import { afterEach, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { createEngine } from '../../src/core/engine.js'
import { createMesh } from '../../src/mesh/mesh.js'
import type { WebSocketConstructor } from '../../src/transport/websocket-like.js'
import { dial } from '../../src/transport/ws-client.js'
import { freePort } from '../server/processes.js'
import { waitUntil } from '../support/wait.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * `wake` (browsers: the `online` event): a dialler waiting out its backoff redials at once. The backoff
 * here is an hour, so only the wake can have brought the connection up within the test.
 */
it('a wake signal redials at once instead of waiting out the backoff, and is unsubscribed on close', async () => {
  const port = await freePort()
  let failures = 0
  class Counting extends WebSocket {
    constructor(url: string) {
      super(url)
      this.on('error', () => failures++)
    }
  }
  const wakers = new Set<() => void>()
  const wake = (listener: () => void) => {
    wakers.add(listener)
    return () => wakers.delete(listener)
  }
  const mesh = createMesh({ engine: createEngine() })
  cleanups.push(() => mesh.close())
  const dialer = dial(mesh, `http://127.0.0.1:${port}/gun`, {
    WebSocket: Counting as unknown as WebSocketConstructor,
    backoff: { initialMs: 3_600_000, jitter: 0 },
    wake,
  })
  cleanups.push(() => dialer.close())
  await waitUntil(() => failures === 1 && dialer.dialling, 'the first dial failed and a redial is scheduled')

  const server = new WebSocketServer({ host: '127.0.0.1', port })
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  expect(dialer.connected).toBe(false)
  for (const listener of wakers) listener()
  await waitUntil(() => dialer.connected, 'connected after the wake')
  expect(dialer.opened).toBe(1)
  // A wake while connected does nothing.
  for (const listener of wakers) listener()
  expect(dialer.opened).toBe(1)
  dialer.close()
  expect(wakers.size).toBe(0)
})

it('a wake while a dial is still pending (opened while offline, not yet failed) abandons it and dials at once', async () => {
  // The first socket goes to a server that accepts and never answers the upgrade: a dial that neither opens nor fails.
  const held = new Set<Socket>()
  const stalls = createServer((socket) => void held.add(socket))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy()
        stalls.close(() => resolve())
      }),
  )
  await new Promise<void>((resolve) => stalls.listen(0, '127.0.0.1', () => resolve()))
  const stallPort = (stalls.address() as AddressInfo).port
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  let made = 0
  class FirstStalls extends WebSocket {
    constructor(url: string) {
      super(++made === 1 ? `ws://127.0.0.1:${stallPort}/gun` : url)
    }
  }
  const wakers = new Set<() => void>()
  const mesh = createMesh({ engine: createEngine() })
  cleanups.push(() => mesh.close())
  const dialer = dial(mesh, `http://127.0.0.1:${(server.address() as AddressInfo).port}/gun`, {
    WebSocket: FirstStalls as unknown as WebSocketConstructor,
    backoff: { initialMs: 3_600_000, jitter: 0 },
    wake: (listener) => {
      wakers.add(listener)
      return () => wakers.delete(listener)
    },
  })
  cleanups.push(() => dialer.close())
  await waitUntil(() => held.size > 0 || undefined, 'the first dial reached the stalling server')
  expect(dialer.dialling).toBe(true)
  for (const listener of wakers) listener()
  await waitUntil(() => dialer.connected, 'connected after the wake')
  expect(made).toBe(2)
  expect(dialer.opened).toBe(1)
})
