import { spawn } from 'node:child_process'
import { createServer, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createGun } from '../../src/gun.js'
import NodeGun from '../../src/gun.node.js'
import { freePort, startRelayProcess } from '../server/processes.js'
import { killChild } from '../support/processes.js'
import type { RootChain } from '../../src/instance.js'
import type { ChainListener } from '../../src/plugins/event-chain.js'
import type { PluginContext } from '../../src/plugins/wire-context.js'
import type { Ack } from '../../src/core/engine-types.js'
import { waitUntil } from '../support/wait.js'

// Gun.on('opt') plugins used the way stock plugins use them. Each test makes its own constructor
// (createGun), so hooks never leak into another test; instances are closed after each test.
const open: RootChain[] = []
const track = (gun: RootChain) => {
  open.push(gun)
  return gun
}
afterEach(async () => {
  for (const gun of open.splice(0)) await gun.close()
})

type Msg = Record<string, unknown>
const ackOf = (run: (cb: (ack: Ack) => void) => void) => new Promise<Ack>((resolve) => run(resolve))

/** A transport plugin over an in-process bus (as a BroadcastChannel or a socket would carry frames): text out, parsed text in. */
function busTransport(Gun: ReturnType<typeof createGun>, bus: Set<(text: string, from: PluginContext) => void>) {
  // Typed as an app would write it: Gun.on('opt') hands the handler a PluginContext.
  return Gun.on('opt', function (context) {
    const deliver = (text: string, from: PluginContext) => {
      // Another process's frame: only text crosses, and it arrives later, as over a socket.
      if (from !== context) queueMicrotask(() => context.on('in', JSON.parse(text)))
    }
    bus.add(deliver)
    context.on('out', function (this: ChainListener, msg: unknown) {
      for (const other of bus) other(JSON.stringify(msg), context)
      this.to.next(msg)
    })
    this.to.next(context)
  })
}

describe("Gun.on('opt') plugins", () => {
  it("stock's 'Check multi instance message passing': two instances wired through out → in handlers, no sockets", async () => {
    const Gun = createGun()
    let b: RootChain | undefined
    let d: RootChain | undefined
    const hook = Gun.on('opt', (ctx: unknown) => {
      const context = ctx as PluginContext
      context.on('out', function (this: ChainListener, msg: unknown) {
        this.to.next(msg)
        // As the stock test does: copy the message, drop stock's private fields, point it at the other instance.
        const copy: Msg = { ...(msg as Msg) }
        delete copy.out
        delete copy._
        if (context.$ === b) {
          if (d !== undefined) {
            copy.$ = d
            d.on('in', copy)
          }
        } else if (context.$ === d && b !== undefined) {
          copy.$ = b
          b.on('in', copy)
        }
      })
    })
    b = track(Gun())
    b.get('key').put({ msg: 'hello' })
    d = track(Gun())
    const seen: [unknown, string][] = []
    d.get('key')
      .map()
      .on((value, field) => {
        seen.push([value, field])
      })
    await waitUntil(() => seen.length > 0, 'd hears b’s data through the plugins')
    expect(seen[0]).toEqual(['hello', 'msg'])
    hook.off()
  })

  it('a transport plugin over an in-process bus syncs two instances: reads, writes and live updates', async () => {
    const Gun = createGun()
    const bus = new Set<(text: string, from: PluginContext) => void>()
    const hook = busTransport(Gun, bus)
    const a = track(Gun())
    const b = track(Gun())
    hook.off()
    expect(await ackOf((cb) => a.get('doc').put({ title: 'from a' }, cb))).toEqual({ ok: true })
    // b holds nothing of `doc`: its read goes out through its plugin and a answers.
    expect(await b.get('doc').get('title')).toBe('from a')
    const heard: unknown[] = []
    b.get('doc')
      .get('title')
      .on((value) => {
        heard.push(value)
      })
    a.get('doc').put({ title: 'changed by a' })
    await waitUntil(() => heard.includes('changed by a'), 'b hears a’s later write')
    b.get('doc').put({ by: 'b' })
    await waitUntil(() => a.root.engine.peek('doc')?.get('by') === 'b', 'a gets b’s write')
  })

  it("a storage adapter on stock's put/get events stores writes and what peers send, and answers a new instance's reads", async () => {
    const Gun = createGun()
    type WireNode = Record<string, unknown> & { _: { '#': string; '>': Record<string, number> } }
    /** A stock-style adapter (as gun-file and friends are written): `put` stores, `get` answers, each through `ctx.on('in', …)`. */
    const storageAdapter = (disk: Map<string, WireNode>) =>
      Gun.on('create', function (this: ChainListener, ctx: PluginContext) {
        this.to.next(ctx)
        ctx.on('put', function (this: ChainListener, msg: unknown) {
          this.to.next(msg)
          const { '#': id, put } = msg as { '#': string; put: Record<string, WireNode> }
          for (const [soul, node] of Object.entries(put)) {
            const stored: WireNode = disk.get(soul) ?? { _: { '#': soul, '>': {} } }
            for (const [key, state] of Object.entries(node._['>'])) {
              if (state >= (stored._['>'][key] ?? -Infinity)) {
                stored[key] = node[key]
                stored._['>'][key] = state
              }
            }
            disk.set(soul, stored)
          }
          ctx.on('in', { '@': id, ok: 1 })
        })
        ctx.on('get', function (this: ChainListener, msg: unknown) {
          this.to.next(msg)
          const { '#': id, get } = msg as { '#': string; get: { '#': string } }
          const node = disk.get(get['#'])
          ctx.on('in', { '@': id, put: node === undefined ? null : { [get['#']]: node } })
        })
      })

    const disk = new Map<string, WireNode>()
    const adapter = storageAdapter(disk)
    const first = Gun()
    expect(await ackOf((cb) => first.get('doc').put({ title: 'kept', n: 1 }, cb))).toEqual({ ok: true })
    await waitUntil(() => disk.get('doc')?.title === 'kept' || undefined, 'the adapter stored the write')
    await first.close()
    // A new instance holds nothing in memory: its read goes to the adapter, which answers from its disk.
    const second = track(Gun())
    expect(await second.get('doc').get('title')).toBe('kept')
    adapter.off()

    // What a peer sends is stored too: `writer` reaches `reader` over a transport plugin; only `reader` has an adapter.
    const bus = new Set<(text: string, from: PluginContext) => void>()
    const transport = busTransport(Gun, bus)
    const writer = track(Gun())
    const readerDisk = new Map<string, WireNode>()
    const readerAdapter = storageAdapter(readerDisk)
    const reader = track(Gun())
    transport.off()
    readerAdapter.off()
    const heard: unknown[] = []
    reader
      .get('live')
      .get('v')
      .on((value) => {
        heard.push(value)
      })
    writer.get('live').put({ v: 'from the writer' })
    await waitUntil(() => heard.includes('from the writer'), 'the reader hears the write')
    await waitUntil(() => readerDisk.get('live')?.v === 'from the writer' || undefined, "the reader's adapter stored the peer's write")
  })

  it('an `in` filter drops puts to a soul (a security plugin); everything else passes', async () => {
    const Gun = createGun()
    const bus = new Set<(text: string, from: PluginContext) => void>()
    const transport = busTransport(Gun, bus)
    const writer = track(Gun())
    const filter = Gun.on('opt', function (this: ChainListener, ctx: unknown) {
      ;(ctx as PluginContext).on('in', function (this: ChainListener, msg: unknown) {
        const put = (msg as Msg).put
        if (put !== null && typeof put === 'object' && Object.hasOwn(put, 'secret')) return // dropped: not passed on
        this.to.next(msg)
      })
      this.to.next(ctx)
    })
    const guarded = track(Gun())
    transport.off()
    filter.off()
    writer.get('secret').put({ pin: 1234 })
    writer.get('public').put({ note: 'hi' })
    await waitUntil(() => guarded.root.engine.peek('public')?.get('note') === 'hi', 'the public write passes the filter')
    expect(guarded.root.engine.peek('secret')).toBeUndefined()
  })

  it('hostile messages from `in` handlers are checked as socket input: no crash, no prototype pollution', async () => {
    const Gun = createGun()
    let context: PluginContext | undefined
    const hook = Gun.on('opt', (ctx: unknown) => {
      context = ctx as PluginContext
    })
    const gun = track(Gun())
    hook.off()
    const ctx = context as PluginContext
    const cyclic: Msg = { '#': 'c1', put: {} }
    ;(cyclic.put as Msg).self = cyclic
    const hostile: unknown[] = [
      null,
      42,
      'text',
      [{ '#': 'arr' }],
      cyclic,
      { '#': 'big', n: 10n },
      {
        '#': 'getter',
        get put() {
          throw new Error('boom')
        },
      },
      JSON.parse('{"#":"p1","put":{"__proto__":{"_":{"#":"__proto__",">":{"polluted":1}},"polluted":"yes"}}}'),
      { '#': 'p2', put: { constructor: { _: { '#': 'constructor', '>': { polluted: 1 } }, polluted: 'yes' } } },
      { '#': 'x'.repeat(10_000), get: { '#': 'a' } },
      { '#': 'bad', put: { s: { _: { '#': 's', '>': { k: 'not a number' } }, k: [1, 2] } } },
      { '#': 'dam', dam: '?', pid: 'me' },
      { '@': 'nothing-asked', put: { z: { _: { '#': 'z', '>': { k: 1 } }, k: 1 } } },
    ]
    const out: Msg[] = []
    ctx.on('out', function (this: ChainListener, msg: unknown) {
      out.push(msg as Msg)
      this.to.next(msg)
    })
    for (const msg of hostile) expect(() => ctx.on('in', msg)).not.toThrow()
    // Refusals stay inside: control messages (`dam`) never reach `out` handlers.
    expect(out.filter((msg) => msg.dam !== undefined)).toEqual([])
    expect(({} as Msg).polluted).toBeUndefined()
    expect((Object as unknown as Msg).polluted).toBeUndefined()
    expect(gun.root.engine.peek('s')).toBeUndefined()
    // A reply to nothing we asked is dropped, as from a socket.
    expect(gun.root.engine.peek('z')).toBeUndefined()
    // A valid put still gets in, after all that.
    ctx.on('in', { '#': 'ok1', put: { fine: { _: { '#': 'fine', '>': { k: 1 } }, k: 'v' } } })
    await waitUntil(() => gun.root.engine.peek('fine')?.get('k') === 'v', 'a valid put is applied')
  })

  it('with an `out` handler nobody answers, writes still ack at once and reads of missing data end', async () => {
    const Gun = createGun()
    const out: Msg[] = []
    const hook = Gun.on('opt', (ctx: unknown) => {
      ;(ctx as PluginContext).on('out', function (this: ChainListener, msg: unknown) {
        out.push(msg as Msg)
        this.to.next(msg)
      })
    })
    const gun = track(Gun({ wait: 20 }))
    hook.off()
    expect(await ackOf((cb) => gun.get('w').put({ a: 1 }, cb))).toEqual({ ok: true })
    await gun.synced()
    expect(gun.pending).toBe(0)
    expect(await gun.get('missing').get('x')).toBeUndefined()
    // Both went out as wire messages.
    expect(out.some((msg) => typeof msg.put === 'object' && msg.put !== null && Object.hasOwn(msg.put, 'w'))).toBe(true)
    expect(out.some((msg) => (msg.get as Msg | undefined)?.['#'] === 'missing')).toBe(true)
  })

  it('hooks: chained with this.to.next, unregistered by off(), per constructor, and no hook costs nothing', () => {
    const Gun = createGun()
    const Other = createGun()
    const calls: string[] = []
    const first = Gun.on('opt', function (this: ChainListener, ctx: unknown) {
      calls.push('first')
      this.to.next(ctx)
    })
    const second = Gun.on('opt', () => {
      calls.push('second')
    })
    const gun = track(Gun())
    expect(calls).toEqual(['first', 'second'])
    // Another constructor's instances do not run these hooks, and without a hook no network is made.
    const other = track(Other())
    expect(calls).toEqual(['first', 'second'])
    expect(other.root.network).toBeUndefined()
    first.off()
    track(Gun())
    expect(calls).toEqual(['first', 'second', 'second'])
    second.off()
    const plain = track(Gun())
    expect(calls).toEqual(['first', 'second', 'second'])
    // Gun.on('create') runs too, after the opt hooks, with the same context.
    let created: PluginContext | undefined
    const create = Gun.on('create', (ctx: unknown) => {
      created = ctx as PluginContext
    })
    const made = track(Gun())
    create.off()
    expect(created?.$).toBe(made)
    expect(created?.root).toBe(created)
    expect(plain.root.network).toBeUndefined()
    // An instance's own chains: handlers run in order, `off()` takes one out, a handler that does not pass on drops.
    const order: string[] = []
    const h1 = gun.on('in', function (this: ChainListener, msg: unknown) {
      order.push('h1')
      this.to.next(msg)
    })
    gun.on('in', function (this: ChainListener, msg: unknown) {
      order.push('h2')
      if ((msg as Msg).drop !== true) this.to.next(msg)
    })
    gun.on('in', { '#': 'o1', drop: true })
    h1.off()
    gun.on('in', { '#': 'o2', drop: true })
    expect(order).toEqual(['h1', 'h2', 'h2'])
    expect(() => (Gun.on as (tag: unknown, fn: unknown) => unknown)(7, () => {})).toThrow(/tag must be a string/)
  })

  it('a transport plugin over a raw TCP socket syncs with an instance in another Node process', { timeout: 30_000 }, async () => {
    const Gun = createGun()
    let socket: Socket | undefined
    let received = ''
    let context: PluginContext | undefined
    const hook = Gun.on('opt', function (this: ChainListener, ctx: unknown) {
      context = ctx as PluginContext
      context.on('out', function (this: ChainListener, msg: unknown) {
        socket?.write(`${JSON.stringify(msg)}\n`) // offline: nothing carries it (the other side reads on connect)
        this.to.next(msg)
      })
      this.to.next(ctx)
    })
    const gun = track(Gun())
    hook.off()
    gun.get('seed').put({ v: 'only here' })
    const server = createServer((accepted) => {
      socket = accepted
      accepted.on('data', (chunk) => {
        received += chunk.toString()
        const lines = received.split('\n')
        received = lines.pop() ?? ''
        for (const line of lines) context?.on('in', JSON.parse(line))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const script = fileURLToPath(new URL('./fixtures/tcp-plugin-peer.mjs', import.meta.url))
    const child = spawn(process.execPath, [script, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    try {
      // Its read of `seed.v` went out over TCP and this instance answered.
      await waitUntil(() => stdout.includes('SEED'), `the other process reads seed.v (stderr: ${stderr})`, 20_000)
      expect(stdout).toContain('SEED "only here"')
      // Writes both ways: ping goes there, its pong comes back.
      gun.get('ping').put({ n: 7 })
      await waitUntil(() => gun.root.engine.peek('pong')?.get('n') === 7, `the other process answers ping with pong (stderr: ${stderr})`, 20_000)
    } finally {
      socket?.destroy()
      await killChild(child)
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('an `in` filter sees what WebSocket peers send too: a relay’s pushes to a soul are dropped', { timeout: 30_000 }, async () => {
    const relay = await startRelayProcess(await freePort(), undefined)
    try {
      const writer = track(NodeGun({ peers: [relay.url], radisk: false }))
      const plain = track(NodeGun({ peers: [relay.url], radisk: false }))
      const dropped: unknown[] = []
      const filter = NodeGun.on('opt', function (this: ChainListener, ctx: unknown) {
        ;(ctx as PluginContext).on('in', function (this: ChainListener, msg: unknown) {
          const put = (msg as Msg).put
          if (put !== null && typeof put === 'object' && Object.hasOwn(put, 'secret')) {
            dropped.push(msg)
            return
          }
          this.to.next(msg)
        })
        this.to.next(ctx)
      })
      const guarded = track(NodeGun({ peers: [relay.url], radisk: false }))
      filter.off()
      // Both subscribe (a read the relay answers "not found"), then the writer writes.
      for (const gun of [plain, guarded]) {
        expect(await gun.get('secret').get('pin')).toBeUndefined()
        expect(await gun.get('public').get('note')).toBeUndefined()
        gun.get('secret').on(() => {})
        gun.get('public').on(() => {})
      }
      await ackOf((cb) => writer.get('secret').put({ pin: 1234 }, cb))
      await ackOf((cb) => writer.get('public').put({ note: 'hi' }, cb))
      await waitUntil(
        () => plain.root.engine.peek('public')?.get('note') === 'hi' && plain.root.engine.peek('secret')?.get('pin') === 1234,
        'the plain client hears both',
      )
      await waitUntil(() => guarded.root.engine.peek('public')?.get('note') === 'hi', 'the guarded client hears the public write')
      await waitUntil(() => dropped.length > 0, 'the filter saw the push to secret')
      expect(guarded.root.engine.peek('secret')?.get('pin')).toBeUndefined()
    } finally {
      for (const gun of open.splice(0)) await gun.close()
      await relay.kill()
    }
  })
})
