import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import type { Peer } from '../../src/mesh/peer.js'
import { CLOSE_DUPLICATE } from '../../src/mesh/link.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { rawClient, until, type RawClient } from './helpers.js'

type Msg = Record<string, unknown>

/**
 * Two relays that list each other: one link between them, not two. The
 * link dialled by the lower pid is kept ('relayA' < 'relayB'); B's dialler
 * stands by while A's link is up and dials again when it goes.
 */
const LOW = 'relayA'
const HIGH = 'relayB'

const relays = new Set<Relay>()
const clients = new Set<RawClient>()

async function startRelay(pid: string, port = 0, peerSecret?: string): Promise<Relay> {
  const relay = await createRelay({ port, pid, admin: false, peerSecret })
  relays.add(relay)
  return relay
}

async function stopRelay(relay: Relay): Promise<void> {
  relays.delete(relay)
  await relay.close()
}

async function client(relay: Relay, pid: string): Promise<RawClient> {
  const c = await rawClient(relay.url, { pid })
  clients.add(c)
  return c
}

afterEach(async () => {
  for (const c of clients) c.close()
  clients.clear()
  for (const relay of [...relays]) await stopRelay(relay)
})

const liveRelayLinks = (relay: Relay): Peer[] => [...relay.mesh.peers].filter((p) => p.relay && !p.closed)

/** Neither relay's dialler has a reconnect scheduled or a connection opening: nothing dials until a link goes. */
const quiet = (a: Relay, b: Relay) => !a.node.dialers.some((d) => d.dialling) && !b.node.dialers.some((d) => d.dialling)

/**
 * Exactly one relay link on each side (dialled by A unless said otherwise), and it stays so: no dialler has a redial
 * scheduled or a connection opening, so only a link going could change it (no fixed wait to "see if it holds").
 */
async function settledOnOneLink(a: Relay, b: Relay, timeoutMs = 5000, dialledBy: 'A' | 'B' = 'A'): Promise<void> {
  const oneLink = () => {
    const [onA, onB] = [liveRelayLinks(a), liveRelayLinks(b)]
    return (
      onA.length === 1 &&
      onB.length === 1 &&
      onA[0].outgoing === (dialledBy === 'A') &&
      onB[0].outgoing === (dialledBy === 'B') &&
      onA[0].pid === HIGH &&
      onB[0].pid === LOW
    )
  }
  await until(() => oneLink() && quiet(a, b), timeoutMs, 'one link between the relays, and no dial under way')
}

/** Subscribe a raw client to `soul` on its relay. */
async function subscribe(c: RawClient, soul: string): Promise<void> {
  const id = `sub-${soul}-${Math.random().toString(36).slice(2)}`
  c.send({ '#': id, get: { '#': soul } })
  await c.waitFor((m: Msg) => m['@'] === id, 5000)
}

const write = (c: RawClient, soul: string, key: string, value: string) =>
  c.send({ '#': `w-${value}`, put: { [soul]: { _: { '#': soul, '>': { [key]: Date.now() } }, [key]: value } } })

const pushesOf = (c: RawClient, value: string) =>
  c.heard.filter((m) => m['@'] === undefined && m.put !== undefined && JSON.stringify(m.put).includes(JSON.stringify(value)))

/** Count the messages carrying `marker` that a relay sends to its relay peers (wraps each live relay link). */
function countRelayMessages(relay: Relay, marker: string): () => number {
  let count = 0
  for (const peer of liveRelayLinks(relay)) {
    const send = peer.send.bind(peer)
    peer.send = (text: string) => {
      if (text.includes(marker)) count++
      send(text)
    }
  }
  return () => count
}

const relayFrames = (relay: Relay) => liveRelayLinks(relay).reduce((n, p) => n + p.framesOut + p.framesIn, 0)

/** Two relays that list each other (A has the lower pid), once they have settled on one link. */
async function pairListingEachOther(peerSecret?: string): Promise<{ a: Relay; b: Relay }> {
  const a = await startRelay(LOW, 0, peerSecret)
  const b = await startRelay(HIGH, 0, peerSecret)
  a.addPeer(b.url)
  b.addPeer(a.url)
  await settledOnOneLink(a, b)
  return { a, b }
}

describe('two relays that list each other', () => {
  it('keep one link; writes cross it once each way', async () => {
    const { a, b } = await pairListingEachOther()
    // No clients yet: the relay link is the only peer on either side.
    expect(a.mesh.stats().peers).toBe(1)
    expect(b.mesh.stats().peers).toBe(1)
    expect(a.mesh.stats().duplicateLinksClosed).toBeGreaterThanOrEqual(1)
    expect(b.mesh.stats().duplicateLinksClosed).toBe(0)
    expect(b.node.dialers[0].standingBy).toBe(true)
    // B's link is A's: A vouched for it over the link B dialled (no cluster secret here).
    expect(b.mesh.stats().relayLinksProven).toBeGreaterThanOrEqual(1)
    // Both dialers report the relay as reachable (B through A's link).
    expect(a.stats().dialers.map((d) => d.connected)).toEqual([true])
    expect(b.stats().dialers.map((d) => d.connected)).toEqual([true])

    const subA = await client(a, 'subA')
    const subB = await client(b, 'subB')
    await subscribe(subA, 'pair')
    // Each GET was answered only after A or B asked the other relay, so those frames are on the link already.
    await subscribe(subB, 'pair')

    const crossingFromA = countRelayMessages(a, 'val-')
    const crossingFromB = countRelayMessages(b, 'val-')
    const framesBefore = relayFrames(a)
    const N = 20
    for (let i = 0; i < N; i++) {
      const [writer, reader] = i % 2 === 0 ? [subA, subB] : [subB, subA]
      write(writer, 'pair', `k${i}`, `val-${i}`)
      await until(() => pushesOf(reader, `val-${i}`).length >= 1, 5000, `val-${i} crosses`)
    }
    // Barrier: one more write each way; a link delivers in order, so an echo or second copy of any val-i, and the
    // last acks, are in before these arrive.
    write(subA, 'pair', 'end', 'end-a')
    await until(() => pushesOf(subB, 'end-a').length >= 1, 5000, 'end-a crosses')
    write(subB, 'pair', 'end', 'end-b')
    await until(() => pushesOf(subA, 'end-b').length >= 1, 5000, 'end-b crosses')
    for (let i = 0; i < N; i++) {
      const reader = i % 2 === 0 ? subB : subA
      expect(pushesOf(reader, `val-${i}`), `val-${i} arrives once`).toHaveLength(1)
    }
    // One message per change across the pair (two links would carry three: one per link, one echoed back).
    expect(crossingFromA() + crossingFromB()).toBe(N)
    // Frames on the relay link, both directions, seen from A: a push and its ack per write (the N and the two barriers).
    const frames = relayFrames(a) - framesBefore
    expect(frames).toBeGreaterThanOrEqual(N + 2)
    expect(frames).toBeLessThanOrEqual(2 * (N + 2) + 4)
    // Still one link afterwards.
    expect(liveRelayLinks(a)).toHaveLength(1)
    expect(liveRelayLinks(b)).toHaveLength(1)
  })

  for (const [restarted, pid] of [
    ['the lower-pid relay (whose link was kept)', LOW],
    ['the higher-pid relay (which stood by)', HIGH],
  ] as const) {
    it(`restarting ${restarted} on the same port brings the link back without a redial storm`, async () => {
      let a = await startRelay(LOW)
      let b = await startRelay(HIGH)
      a.addPeer(b.url)
      b.addPeer(a.url)
      await settledOnOneLink(a, b)

      const down = pid === LOW ? a : b
      const port = down.port
      const otherUrl = pid === LOW ? b.url : a.url
      await stopRelay(down)
      const survivor = pid === LOW ? b : a
      await until(() => liveRelayLinks(survivor).length === 0, 5000, 'the survivor sees the link go')
      const up = await createRelay({ port, pid, admin: false, peers: [otherUrl] })
      relays.add(up)
      if (pid === LOW) a = up
      else b = up
      const restartedAt = Date.now()
      await settledOnOneLink(a, b, 8000)
      expect(Date.now() - restartedAt).toBeLessThan(8000)

      // Writes flow again, both ways.
      const subA = await client(a, 'subA2')
      const subB = await client(b, 'subB2')
      await subscribe(subA, 'again')
      await subscribe(subB, 'again')
      write(subA, 'again', 'x', 'after-a')
      write(subB, 'again', 'y', 'after-b')
      await until(() => pushesOf(subB, 'after-a').length === 1 && pushesOf(subA, 'after-b').length === 1, 5000, 'writes after restart')

      // Quiet: no new connection is being dialled and none is scheduled (a storm always has one or the other under way),
      // so nothing can be closed as a duplicate either until a link goes.
      const dupClosed = () => a.mesh.stats().duplicateLinksClosed + b.mesh.stats().duplicateLinksClosed
      expect(quiet(a, b)).toBe(true)
      // And since the restart, only a handful of dials and duplicate closes in all.
      expect(dupClosed()).toBeLessThanOrEqual(4)
      expect(liveRelayLinks(a)).toHaveLength(1)
      expect(liveRelayLinks(b)).toHaveLength(1)
      expect(b.node.dialers[0].standingBy).toBe(true)
    })
  }

  it('when the kept link is cut, one link comes back and the pair goes quiet', async () => {
    const { a, b } = await pairListingEachOther()
    const [kept] = liveRelayLinks(a)
    const opened = () => a.node.dialers[0].opened + b.node.dialers[0].opened
    const openedBefore = opened()
    // Cut the kept link from B's side (as if the network dropped it): B resumes dialling and A redials;
    // whichever is first, A's link is the one that stays.
    liveRelayLinks(b)[0].link.close(4000, 'cut')
    await until(() => kept.closed, 3000, 'the cut is seen by A')
    await settledOnOneLink(a, b, 5000)
    expect(liveRelayLinks(a)[0]).not.toBe(kept)
    expect(b.node.dialers[0].standingBy).toBe(true)
    const openedAfter = opened()
    // Quiet: no dial is under way or scheduled on either side, so the pair stays as it is until a link goes.
    expect(quiet(a, b)).toBe(true)
    // A's redial, and at most one from B that A closed as a duplicate.
    expect(openedAfter - openedBefore).toBeGreaterThanOrEqual(1)
    expect(openedAfter - openedBefore).toBeLessThanOrEqual(2)
  })

  it('the standing-by relay dials again when the kept link goes and the other relay does not redial', async () => {
    // Once A stops dialling B, B's link is a relay link at A only by proof: the cluster secret
    // (without it A has no link of its own to B that could vouch for it, and B's link is a client's).
    const { a, b } = await pairListingEachOther('pair-secret')
    const bOpened = b.node.dialers[0].opened
    // A stops dialling B (its dialer closes, and its link with it): only B's dialler can bring the link back.
    a.node.dialers[0].close()
    await until(() => b.node.dialers[0].opened > bOpened, 3000, 'B dials again')
    await settledOnOneLink(a, b, 5000, 'B')
    expect(b.node.dialers[0].standingBy).toBe(false)
    expect(b.node.dialers[0].connected).toBe(true)
    const subA = await client(a, 'subA3')
    const subB = await client(b, 'subB3')
    await subscribe(subA, 'resumed')
    await subscribe(subB, 'resumed')
    write(subA, 'resumed', 'x', 'over-b-link')
    await until(() => pushesOf(subB, 'over-b-link').length === 1, 5000, "write crosses B's link")
    expect(b.node.dialers[0].opened - bOpened).toBe(1)
  })
})

describe('links that are not two relays dialling each other', () => {
  /** A raw socket that answers the greeting as `pid`: a client, a relay (as older Trellis relays answer), or a relay keeping one link. */
  async function handshakeAs(
    relay: Relay,
    pid: string,
    claim: 'client' | 'relay' | 'oneLink',
  ): Promise<{ ws: WebSocket; closeCode: () => number | undefined }> {
    const extra = claim === 'client' ? {} : claim === 'relay' ? { relay: true } : { relay: true, oneLink: true }
    const ws = new WebSocket(relay.url.replace(/^http/, 'ws'))
    let code: number | undefined
    ws.on('close', (c) => (code = c))
    ws.on('message', (data) => {
      const list = [JSON.parse(data.toString())].flat() as Msg[]
      for (const msg of list) {
        if (msg.dam === '?' && msg['@'] === undefined) ws.send(JSON.stringify({ '#': `hs-${pid}-${Math.random()}`, dam: '?', pid, '@': msg['#'], ...extra }))
      }
    })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return { ws, closeCode: () => code }
  }

  let barriers = 0
  /**
   * A GET answered over `ws`: the relay handles a socket's frames in order and would have closed it when it heard
   * the handshake, so once the answer is back, a close for the handshake has come (or the reply never does).
   */
  async function roundTrip(ws: WebSocket): Promise<void> {
    const id = `barrier${++barriers}`
    const answered = new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        if (([JSON.parse(data.toString())].flat() as Msg[]).some((m) => m['@'] === id)) done(resolve)
      }
      const onClose = () => done(() => reject(new Error('closed before the barrier was answered')))
      const done = (settle: () => void) => {
        ws.off('message', onMessage)
        ws.off('close', onClose)
        settle()
      }
      ws.on('message', onMessage)
      ws.on('close', onClose)
    })
    ws.send(JSON.stringify({ '#': id, get: { '#': `barrier-soul-${id}` } }))
    await answered
  }

  it('two incoming links with one pid are left alone, clients included', async () => {
    const a = await startRelay(LOW)
    const first = await handshakeAs(a, 'samePid', 'oneLink')
    const second = await handshakeAs(a, 'samePid', 'oneLink')
    const plain1 = await handshakeAs(a, 'clientPid', 'client')
    const plain2 = await handshakeAs(a, 'clientPid', 'client')
    await until(() => [...a.mesh.peers].filter((p) => p.pid !== undefined).length === 4, 3000, 'handshakes heard')
    await Promise.all([first, second, plain1, plain2].map((s) => roundTrip(s.ws)))
    expect(a.mesh.stats().peers).toBe(4)
    expect(a.mesh.stats().duplicateLinksClosed).toBe(0)
    for (const s of [first, second, plain1, plain2]) {
      expect(s.closeCode()).toBeUndefined()
      s.ws.close()
    }
  })

  for (const [who, claim] of [
    ['a client (not a relay)', 'client'],
    ['a relay that does not stand by (older Trellis: closing it would make it redial in a loop)', 'relay'],
  ] as const) {
    it(`${who} keeps its link even with the pid of a relay we dial`, async () => {
      const a = await startRelay(LOW)
      const b = await startRelay(HIGH)
      a.addPeer(b.url)
      await until(() => liveRelayLinks(a).length === 1 && liveRelayLinks(a)[0].pid === HIGH, 5000, 'A dialled B')
      const lookalike = await handshakeAs(a, HIGH, claim)
      await until(() => [...a.mesh.peers].filter((p) => p.pid === HIGH).length === 2, 3000, 'lookalike handshake heard')
      await roundTrip(lookalike.ws)
      expect(lookalike.closeCode()).toBeUndefined()
      expect(a.mesh.stats().duplicateLinksClosed).toBe(0)
      // A claim is not a role: nobody vouched for the lookalike, so it stays a client.
      expect([...a.mesh.peers].filter((p) => p.pid === HIGH && !p.outgoing).map((p) => p.relay)).toEqual([false])
      lookalike.ws.close()
    })
  }

  it('a link claiming to be the relay we dial is closed with the duplicate code (we have our own link to it)', async () => {
    const a = await startRelay(LOW)
    const b = await startRelay(HIGH)
    a.addPeer(b.url)
    await until(() => liveRelayLinks(a).length === 1 && liveRelayLinks(a)[0].pid === HIGH, 5000, 'A dialled B')
    const claimant = await handshakeAs(a, HIGH, 'oneLink')
    await until(() => claimant.closeCode() !== undefined, 3000, 'claimant closed')
    expect(claimant.closeCode()).toBe(CLOSE_DUPLICATE)
    // A's own link to B is untouched.
    expect(liveRelayLinks(a)).toHaveLength(1)
    expect(liveRelayLinks(a)[0].outgoing).toBe(true)
  })
})
