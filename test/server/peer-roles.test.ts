import { afterEach, describe, expect, it } from 'vitest'
import { createPeerProof } from '../../src/mesh/peer-proof.js'
import { rawClient, type RawClient } from './helpers.js'
import { freePort, startRelayProcess, type RelayProcess } from './processes.js'
import { parsePrometheus } from '../server-http/prometheus.js'

type Msg = Record<string, unknown>

/**
 * Peer roles (issue 11, finding 11), against a real relay process: an accepted connection is a client
 * unless it proves it is a relay (the cluster secret, or a vouch over a link the relay dialled). A raw
 * socket that merely claims `"relay":true` gets no other client's GET and cannot make anyone wait; a
 * proven relay peer's replies are validated and merged before they reach the asker, re-serialised.
 */
const SECRET = 'cluster-secret-for-tests'
// The relay waits this long for relay peers before saying "not found": a read that waited for the
// claimant would outlive the test's timeout, so an answer at all proves nobody waited for it.
const FORWARD_TIMEOUT_MS = 60_000

const relays: RelayProcess[] = []
const clients: RawClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const r of relays.splice(0)) await r.kill()
})

async function startRelay(): Promise<{ relay: RelayProcess; port: number }> {
  const port = await freePort()
  const relay = await startRelayProcess(port, undefined, [], { peerSecret: SECRET, admin: false, limits: { forwardTimeoutMs: FORWARD_TIMEOUT_MS } })
  relays.push(relay)
  return { relay, port }
}

async function client(url: string, options: { answerHandshake?: boolean; pid?: string } = {}): Promise<RawClient> {
  const c = await rawClient(url, options)
  clients.push(c)
  return c
}

/** A raw socket that answers the relay's greeting as `pid`, claiming to be a relay, with `proof` if given. */
async function claimant(url: string, pid: string, proofFor?: (relayPid: string, nonce: string) => Promise<string>): Promise<{ c: RawClient; answer: Msg }> {
  const c = await client(url, { answerHandshake: false })
  const greeting = await c.waitFor((m) => m.dam === '?' && m['@'] === undefined)
  const answer: Msg = { '#': `hs-${pid}-${Math.random().toString(36).slice(2)}`, dam: '?', pid, '@': greeting['#'], relay: true, oneLink: true }
  if (proofFor !== undefined) answer.proof = await proofFor(String(greeting.pid), String(greeting.nonce))
  c.send(answer)
  await roundTrip(c)
  return { c, answer }
}

/** The relay has handled everything `c` sent so far (one socket's frames are handled in order). */
async function roundTrip(c: RawClient): Promise<void> {
  const id = `probe-${Math.random().toString(36).slice(2)}`
  c.send({ '#': id, get: { '#': `probe/${id}` } })
  await c.waitFor((m) => m['@'] === id, 5000)
}

async function metric(port: number, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const sample = parsePrometheus(text).samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  return sample?.value ?? 0
}

/** A relay peer's stand-in answers the relay's forwarded probe GETs with "not found" (so probes are not held 60 s). */
function answerProbes(c: RawClient): void {
  c.ws.on('message', (data) => {
    for (const m of [JSON.parse(data.toString())].flat() as Msg[]) {
      const get = m.get as Msg | undefined
      if (get !== undefined && String(get['#']).startsWith('probe/')) c.send({ '#': `nf-${String(m['#'])}`, '@': m['#'] })
    }
  })
}

const sawId = (c: RawClient, id: string) => c.heard.some((m) => m['#'] === id || m['@'] === id)

describe('a client that claims to be a relay', () => {
  it('gets no other client GET (souls, ids) and cannot make the asker wait', async () => {
    const { relay } = await startRelay()
    const { c: claimer } = await claimant(relay.url, 'evil')
    const asker = await client(relay.url, { pid: 'asker' })
    asker.send({ '#': 'ask-private-1', get: { '#': 'private/soul' } })
    // Not found, and at once: with the claimant taken for a relay peer the relay waited 60 s for it.
    const answer = await asker.waitFor((m) => m['@'] === 'ask-private-1', 10_000)
    expect(answer.put).toBeUndefined()
    // Nor is every change pushed to it, as it is to relay peers: only what it subscribed to.
    asker.send({ '#': 'write-private', put: { 'private/written': { _: { '#': 'private/written', '>': { v: Date.now() } }, v: 'not for the claimant' } } })
    await asker.waitFor((m) => m['@'] === 'write-private' && m.ok === true, 5000)
    await roundTrip(claimer)
    expect(sawId(claimer, 'ask-private-1')).toBe(false)
    expect(JSON.stringify(claimer.heard)).not.toContain('private/soul')
    expect(JSON.stringify(claimer.heard)).not.toContain('not for the claimant')
  })

  it('cannot answer another client GET, not even with a guessed id', async () => {
    const { relay } = await startRelay()
    const { c: claimer } = await claimant(relay.url, 'evil')
    const asker = await client(relay.url, { pid: 'asker' })
    asker.send({ '#': 'ask-guessable', get: { '#': 'guessed/soul' } })
    claimer.send({ '#': 'evil-reply-1', '@': 'ask-guessable', put: { x: 'not a node' } })
    claimer.send({ '#': 'evil-reply-2', '@': 'ask-guessable', put: { 'guessed/soul': { _: { '#': 'guessed/soul', '>': { v: 1 } }, v: 'forged' } } })
    await roundTrip(claimer)
    await asker.waitFor((m) => m['@'] === 'ask-guessable', 10_000)
    await roundTrip(asker)
    expect(JSON.stringify(asker.heard)).not.toContain('not a node')
    expect(JSON.stringify(asker.heard)).not.toContain('forged')
  })
})

describe('a relay peer proven with the cluster secret', () => {
  const proof = createPeerProof(SECRET)

  it('gets GETs; its invalid reply never reaches the asker, its valid one arrives re-serialised', async () => {
    const { relay, port } = await startRelay()
    const { c: upstream } = await claimant(relay.url, 'upstream1', (relayPid, nonce) => proof.sign(relayPid, nonce, 'upstream1'))
    const proven = async () => (await metric(port, 'trellis_relay_links', { kind: 'accepted_proven' })) === 1
    for (let i = 0; i < 100 && !(await proven()); i++) await roundTrip(upstream)
    expect(await proven()).toBe(true)
    const asker = await client(relay.url, { pid: 'asker' })

    // An invalid graph from the relay peer: refused, and the asker hears "not found" rather than the junk.
    asker.send({ '#': 'ask-1', get: { '#': 'up/one' } })
    await upstream.waitFor((m) => m['#'] === 'ask-1' && m.get !== undefined, 5000)
    upstream.send({ '#': 'up-r1', '@': 'ask-1', put: { x: 'not a node' } })
    const notFound = await asker.waitFor((m) => m['@'] === 'ask-1', 10_000)
    expect(notFound.put).toBeUndefined()
    expect(JSON.stringify(asker.heard)).not.toContain('not a node')
    expect(await metric(port, 'trellis_mesh_refusals_total', { reason: 'invalid_reply' })).toBeGreaterThanOrEqual(1)

    // A valid reply carrying extra fields: the asker gets the graph, nothing else of the relay peer's text.
    asker.send({ '#': 'ask-2', get: { '#': 'up/two' } })
    await upstream.waitFor((m) => m['#'] === 'ask-2' && m.get !== undefined, 5000)
    upstream.send({ '#': 'up-r2', '@': 'ask-2', junk: 'j'.repeat(1000), put: { 'up/two': { _: { '#': 'up/two', '>': { v: 1 } }, v: 'from upstream' } } })
    const data = await asker.waitFor((m) => m['@'] === 'ask-2', 10_000)
    expect(data.junk).toBeUndefined()
    expect(data.put).toEqual({ 'up/two': { _: { '#': 'up/two', '>': { v: 1 } }, v: 'from upstream' } })
  })

  it('a recorded handshake replayed on another connection proves nothing', async () => {
    const { relay, port } = await startRelay()
    const { c: upstream, answer } = await claimant(relay.url, 'upstream1', (relayPid, nonce) => proof.sign(relayPid, nonce, 'upstream1'))
    answerProbes(upstream)
    const replayer = await client(relay.url, { answerHandshake: false })
    const greeting = await replayer.waitFor((m) => m.dam === '?' && m['@'] === undefined)
    replayer.send({ ...answer, '#': 'replayed-hs', '@': greeting['#'] })
    await roundTrip(replayer)
    const failed = async () => (await metric(port, 'trellis_mesh_refusals_total', { reason: 'relay_proof' })) >= 1
    for (let i = 0; i < 100 && !(await failed()); i++) await roundTrip(replayer)
    expect(await failed()).toBe(true)
    expect(await metric(port, 'trellis_relay_links', { kind: 'accepted_proven' })).toBe(1)

    const asker = await client(relay.url, { pid: 'asker' })
    asker.send({ '#': 'ask-3', get: { '#': 'up/three' } })
    await upstream.waitFor((m) => m['#'] === 'ask-3', 5000)
    upstream.send({ '#': 'up-r3', '@': 'ask-3' })
    await asker.waitFor((m) => m['@'] === 'ask-3', 10_000)
    await roundTrip(replayer)
    expect(sawId(replayer, 'ask-3')).toBe(false)
  })
})
