import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import TGun from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { waitUntil } from '../support/wait.js'
import { tmpDir, until } from './helpers.js'
import { freePort, startRelayProcess, startStockGunClient, type RelayProcess, type StockGunProcess } from './processes.js'

/**
 * Gun's PANIC "holy grail" and "on recovery" (reference §3 C case 29) with
 * STOCK Gun clients (`require('gun')`, gun 0.2020.1241, each in its own
 * process: fixtures/stock-gun-client.cjs): Alice and Bob subscribe (`.on`) to
 * one node through a Trellis relay process; the relay is SIGKILLed; both
 * write while it is down; it restarts on the same port and data directory;
 * without restarting the clients each should see the other's offline writes,
 * and `.on` should keep firing for writes made afterwards. Once with two
 * stock clients, once with stock Alice and a Trellis Bob.
 *
 * What stock Gun's Node client does (gun.js of 0.2020.1241; observed by
 * tracing its sockets and frames against this relay and against a stock
 * relay):
 *  - Reconnect: on a socket close it schedules one redial `wait = 2 * 999`
 *    ms later (gun.js:1775-1785, `reconnect`), but the root 'bye' handler
 *    then deletes the URL from `opt.peers` (gun.js:1697), and `reconnect`
 *    starts with `clearTimeout(peer.defer)` and returns when the URL is
 *    missing (gun.js:1777-1778). So that one redial is all there is if the
 *    relay is not back within 2 s (amark/gun#1316), and any other failed
 *    dial before it cancels it — as here: the client dials the dead relay at
 *    once to send its own RAD ack of the offline put (traced: `-> {"@":…,
 *    "ok":true}` on a new socket, ECONNREFUSED, 'bye'), so stock Gun does not
 *    redial at all. `opt.retry` only counts in browsers (`doc`). The
 *    maintainer's answer is to add the peer again with `gun.opt` (amark/gun#859);
 *    that only puts the URL back in `opt.peers` (gun.js:525) and Gun dials it
 *    when it next sends something, hence apps also send something
 *    (amark/gun#1378: `gun.opt(peers)` plus a heartbeat put). The fixture
 *    does exactly that once Gun has given up (3 s after the last 'bye'); the
 *    test checks that it had to (`readded > 0`).
 *  - Re-subscribe: on every (re)connect the 'hi' handler asks again for every
 *    soul it reads (whole-node `get`, or per-key `get` with `##`,
 *    gun.js:1707-1719) — but returns first when `opt.super` is set
 *    (gun.js:1709), and lib/server.js:8 sets `super: true` on every
 *    `require('gun')` instance unless told otherwise. A Node *client* must
 *    pass `super: false`, or it never re-subscribes and `.on` goes silent
 *    after a relay restart, with any relay (stock relay included).
 *  - Offline writes: a put made while the relay is not in `opt.peers` is
 *    sent nowhere (it is acked by the client's own RAD), and nothing re-sends
 *    it after the reconnect: Gun has no outbox; only a send that throws is
 *    queued for the next 'hi' (gun.js:1637, 1657). amark/gun#259, #633,
 *    #973, #1378. A stock (AXE) relay still gets the holy grail through,
 *    because it forwards each client's re-GET to its other peers and routes
 *    their answers (which carry their offline writes) back — observed: with
 *    a stock relay, `super: false` and the re-add above, both clients see
 *    each other's offline writes.
 *
 * What the Trellis relay does about it (src/mesh/get-handler.ts, `askBack`):
 * on a client's first GET of a soul on a connection (its first read, or its
 * re-read after a reconnect), after answering, the relay asks that client
 * back for the whole soul with `##` = the hash of what it holds, under a
 * `resubscribe` route (replies are merged, and so pushed to the soul's other
 * subscribers). A stock client sends no reply whose `##` equals the GET's
 * (gun.js:1581, `mesh.raw`), so a client in step costs one small GET per
 * subscription. Without it, the stock-only cases below fail: nothing would
 * ever pull a stock client's offline writes.
 */

const SOUL = 'holy'
/** Poll an async check until it holds, or fail naming `what`. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  await waitUntil(async () => (await check()) || undefined, what, timeoutMs)
}

interface Side {
  /** What this client's subscription to SOUL shows now. */
  sees(key: string): unknown
  put(data: Record<string, string>): Promise<void>
}

function stockSide(name: string, client: StockGunProcess): Side {
  return {
    sees: (key) => client.nodes.get(SOUL)?.[key],
    async put(data) {
      // Acked by the client's own RAD even while the relay is down.
      const ack = await client.put(SOUL, data)
      expect(ack.err, `${name}'s put`).toBeUndefined()
    },
  }
}

function trellisSide(db: RootChain): Side {
  const seen = new Map<string, unknown>()
  db.get(SOUL)
    .map()
    .on((v: unknown, k: string) => seen.set(k, v))
  return {
    sees: (key) => seen.get(key),
    // Not awaited: while the relay is down a Trellis write waits in the outbox for its ack.
    put: async (data) => void db.get(SOUL).put(data),
  }
}

const connected = async (client: StockGunProcess, url: string) => (await client.status())[url]?.readyState === 1

function holyGrail(bobKind: 'stock' | 'trellis') {
  describe(bobKind === 'stock' ? 'stock Alice, stock Bob' : 'stock Alice, Trellis Bob', () => {
    const dirs: string[] = []
    const dir = (prefix: string) => {
      const d = tmpDir(prefix)
      dirs.push(d)
      return d
    }
    let port: number
    let dataDir: string
    let relay: RelayProcess | undefined
    let aliceProc: StockGunProcess | undefined
    let bobProc: StockGunProcess | undefined
    let bobDb: RootChain | undefined
    let alice: Side
    let bob: Side

    beforeAll(async () => {
      port = await freePort()
      dataDir = dir('trellis-holy-stock-')
      relay = await startRelayProcess(port, dataDir)
      aliceProc = await startStockGunClient(relay.url, dir('gun-alice-'))
      aliceProc.on(SOUL)
      alice = stockSide('alice', aliceProc)
      if (bobKind === 'stock') {
        bobProc = await startStockGunClient(relay.url, dir('gun-bob-'))
        bobProc.on(SOUL)
        bob = stockSide('bob', bobProc)
      } else {
        bobDb = TGun({ peers: [relay.url], radisk: false })
        bob = trellisSide(bobDb)
      }
      const url = relay.url
      await eventually(() => connected(aliceProc!, url), 5000, 'alice connected')
      if (bobProc !== undefined) await eventually(() => connected(bobProc!, url), 5000, 'bob connected')
      // No wait for the subscriptions: a write reaches a reader whose GET comes later in that GET's reply.
    }, 20_000)

    afterAll(async () => {
      await aliceProc?.kill()
      await bobProc?.kill()
      await bobDb?.close()
      await relay?.kill('SIGKILL')
      for (const d of dirs) rmSync(d, { recursive: true, force: true })
    }, 10_000)

    it('online writes cross over', async () => {
      await Promise.all([alice.put({ alice1: 'hi from alice' }), bob.put({ bob1: 'hi from bob' })])
      await until(() => alice.sees('bob1') === 'hi from bob' && bob.sees('alice1') === 'hi from alice', 5000, 'online exchange')
    }, 10_000)

    it('relay SIGKILLed, both write offline, relay restarted on the same port and data dir: the clients reconnect', async () => {
      const stock = [aliceProc!, bobProc].filter((p) => p !== undefined)
      const byes = stock.map((p) => p.byes)
      await relay!.kill('SIGKILL')
      await Promise.all([alice.put({ alice2: 'offline alice' }), bob.put({ bob2: 'offline bob' })])
      // Down until stock Gun has given up: its link closed and its one redial (2 s later) failed, two byes each.
      await eventually(() => stock.every((p, i) => p.byes >= byes[i] + 2), 10_000, "stock Gun's one redial failed")
      expect(alice.sees('alice2')).toBe('offline alice')
      expect(bob.sees('bob2')).toBe('offline bob')
      expect(alice.sees('bob2')).toBeUndefined()
      expect(bob.sees('alice2')).toBeUndefined()

      relay = await startRelayProcess(port, dataDir)
      const url = relay.url
      await eventually(() => connected(aliceProc!, url), 10_000, 'alice reconnected')
      if (bobProc !== undefined) await eventually(() => connected(bobProc!, url), 10_000, 'bob reconnected')
      // Stock Gun had stopped redialling (amark/gun#1316): the app's re-add is what brought it back.
      expect(aliceProc!.readded).toBeGreaterThan(0)
      expect(alice.sees('bob1')).toBe('hi from bob')
      expect(bob.sees('alice1')).toBe('hi from alice')
    }, 20_000)

    if (bobKind === 'trellis') {
      it("stock Alice sees Trellis Bob's offline write (Bob resends it from its outbox)", async () => {
        await until(() => alice.sees('bob2') === 'offline bob', 10_000, "alice sees bob's offline write")
      }, 15_000)

      it("Trellis Bob sees stock Alice's offline write", async () => {
        await until(() => bob.sees('alice2') === 'offline alice', 5000, "bob sees alice's offline write")
      }, 10_000)
    } else {
      it("each stock client sees the other's offline write", async () => {
        await until(() => bob.sees('alice2') === 'offline alice', 5000, "bob sees alice's offline write")
        await until(() => alice.sees('bob2') === 'offline bob', 5000, "alice sees bob's offline write")
      }, 15_000)
    }

    it('on keeps firing for writes made after the restart (on-recovery)', async () => {
      await alice.put({ alice3: 'after restart' })
      await until(() => bob.sees('alice3') === 'after restart', 5000, 'bob sees the post-restart write')
      await bob.put({ bob3: 'after restart too' })
      await until(() => alice.sees('bob3') === 'after restart too', 5000, 'alice sees the post-restart write')
    }, 15_000)

    it('the restarted relay holds all six writes (a fresh Trellis reader gets them)', async () => {
      const carol = TGun({ peers: [relay!.url], radisk: false })
      try {
        const seen = new Map<string, unknown>()
        carol
          .get(SOUL)
          .map()
          .on((v: unknown, k: string) => seen.set(k, v))
        await until(() => ['alice1', 'bob1', 'alice2', 'bob2', 'alice3', 'bob3'].every((k) => seen.has(k)), 3000, 'carol reads six keys')
      } finally {
        await carol.close()
      }
    }, 10_000)
  })
}

describe('holy grail and on-recovery with stock Gun clients and a Trellis relay process', () => {
  holyGrail('stock')
  holyGrail('trellis')
})
