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
