import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { clockPasses } from '../support/wait.js'
import { rawClient, tmpDir, until } from './helpers.js'

const S = 1700000000000
let relay: Relay | undefined
afterEach(async () => {
  await relay?.close()
  relay = undefined
})

describe('hostile peers', () => {
  it('a slow consumer is disconnected when its send queue passes the bound; others keep being served', async () => {
    relay = await createRelay({ port: 0, limits: { maxQueueChars: 1024 * 1024 } })
    const slow = await rawClient(relay.url, { pid: 'slow' })
    const fast = await rawClient(relay.url, { pid: 'fast' })
    const writer = await rawClient(relay.url, { pid: 'writer' })
    for (const [c, id] of [
      [slow, 'gs'],
      [fast, 'gf'],
    ] as const) {
      c.send({ '#': id, get: { '#': 'flood' } })
      await c.waitFor((m) => m['@'] === id)
    }
    // Stop reading: the kernel buffers fill, then ws's bufferedAmount grows.
    ;(slow.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    let closed = false
    slow.ws.on('close', () => (closed = true))
    const big = 'x'.repeat(20_000)
    const pushesTo = (c: typeof fast) => c.heard.filter((m) => m.put !== undefined && m['@'] === undefined).length
    for (let i = 0; i < 1500; i++) {
      writer.send({ '#': `f${i}`, put: { flood: { _: { '#': 'flood', '>': { [`k${i}`]: S + i } }, [`k${i}`]: big } } })
      // Paced on the reading subscriber (at most 100 pushes behind), so it keeps up even on a loaded machine; the paused one cannot.
      if (i % 50 === 0) await until(() => pushesTo(fast) >= i - 100, 30_000, `fast subscriber within 100 pushes of ${i}`)
    }
    await until(() => pushesTo(fast) >= 1500, 30_000, 'fast subscriber got all pushes')
    await until(() => relay!.mesh.stats().peers === 2, 10_000, 'slow consumer dropped')
    ;(slow.ws as unknown as { _socket: { resume(): void } })._socket.resume()
    await until(() => closed, 10_000, 'slow socket closed')
    fast.close()
    writer.close()
  })

  it('a peer writing ever more souls cannot grow the relay’s memory: past maxMemoryNodes they are served from disk', async () => {
    relay = await createRelay({ port: 0, dataDir: tmpDir(), maxMemoryNodes: 200 })
    const c = await rawClient(relay.url)
    const count = 3000
    for (let i = 0; i < count; i += 100) {
      const put: Record<string, unknown> = {}
      for (let k = i; k < i + 100; k++) put[`soul${k}`] = { _: { '#': `soul${k}`, '>': { v: S } }, v: k }
      c.send({ '#': `w${i}`, put })
    }
    await c.waitFor((m) => m['@'] === `w${count - 100}` && m.ok === true, 20_000)
    await until(() => relay!.stats().souls <= 200, 10_000, 'memory trimmed to the bound')
    for (const k of [0, 1234, count - 1]) {
      c.send({ '#': `g${k}`, get: { '#': `soul${k}` } })
      const reply = await c.waitFor((m) => m['@'] === `g${k}`)
      expect((reply.put as Record<string, { v: number }>)[`soul${k}`].v).toBe(k)
    }
    c.close()
  })

  it('bounded put and get rate per connection: excess is refused with an error, the connection stays', async () => {
    relay = await createRelay({ port: 0, limits: { putsPerSecond: 5, putBurst: 5, getsPerSecond: 5, getBurst: 5 } })
    const c = await rawClient(relay.url)
    for (let i = 0; i < 20; i++) c.send({ '#': `r${i}`, put: { rate: { _: { '#': 'rate', '>': { a: S + i } }, a: i } } })
    await c.waitFor((m) => m['@'] === 'r19')
    const refused = c.heard.filter((m) => typeof m['@'] === 'string' && (m['@'] as string).startsWith('r') && m.err === 'Too many requests.')
    expect(refused.length).toBeGreaterThanOrEqual(10)
    for (let i = 0; i < 20; i++) c.send({ '#': `q${i}`, get: { '#': 'rate' } })
    await c.waitFor((m) => m['@'] === 'q19')
    expect(c.heard.filter((m) => m.err === 'Too many requests.' && String(m['@']).startsWith('q')).length).toBeGreaterThanOrEqual(10)
    // The bucket refills 5 a second from its last take, which was before q19's answer: one 200 ms later, a token is back.
    await clockPasses(Date.now() + 1000 / 5)
    c.send({ '#': 'later', get: { '#': 'rate' } })
    expect((await c.waitFor((m) => m['@'] === 'later')).err).toBeUndefined()
    c.close()
  })

  it('frames past the hard payload cap close only that connection', async () => {
    relay = await createRelay({ port: 0, limits: { maxFrameChars: 10_000 } })
    const ws = new WebSocket(relay.url.replace('http', 'ws'))
    await new Promise((r) => ws.once('open', r))
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    ws.send('{"a":"' + 'x'.repeat(50_000) + '"}')
    expect(await closed).toBe(1009)
    const ok = await rawClient(relay.url)
    ok.send({ '#': 'still', get: { '#': 'x' } })
    await ok.waitFor((m) => m['@'] === 'still')
    ok.close()
  })

  it('over its peer limit a relay sends mob with other relays and drops the newcomer', async () => {
    relay = await createRelay({ port: 0, limits: { maxPeers: 1 } })
    const first = await rawClient(relay.url)
    const second = await rawClient(relay.url)
    const mob = await second.waitFor((m) => m.dam === 'mob')
    expect(mob.mob).toBe(2)
    await new Promise((r) => second.ws.once('close', r))
    first.send({ '#': 'ok', get: { '#': 'y' } })
    await first.waitFor((m) => m['@'] === 'ok')
    first.close()
  })

  it('a relay that dials itself detects it by pid and stops', async () => {
    relay = await createRelay({ port: 0 })
    relay.addPeer(relay.url)
    const dialer = relay.node.dialers[0]
    // Stopped: it connected once, is not connected, and has no redial scheduled (one that did not stop would keep one).
    await until(() => dialer.opened >= 1 && !dialer.connected && !dialer.dialling, 5000, 'the dialler gave up on itself')
    expect(relay.stats().dialers[0].connected).toBe(false)
    await until(() => relay?.mesh.stats().peers === 0, 5000, 'both ends of the self-link closed')
  })
})
