import { afterAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { waitUntil } from '../support/wait.js'
import { call } from './helpers.js'

/** REST reads ask the relay's peers, as the CLI does through /gun. */
const relays: Relay[] = []
afterAll(async () => {
  for (const relay of relays.reverse()) await relay.close()
})

const base = (relay: Relay) => relay.url.replace(/\/gun$/, '')

describe('REST reads through peered relays', () => {
  it('finds a node only a peer relay holds', async () => {
    // B holds the data before A exists; catch-up is off, so only a read can bring it to A.
    const b = await createRelay({ port: 0, admin: false, syncIntervalMs: -1 })
    relays.push(b)
    expect((await call(base(b), 'PUT', '/api/v1/data/only-on-b', { where: 'b' })).status).toBe(200)
    const a = await createRelay({ port: 0, admin: false, syncIntervalMs: -1, peers: [b.url] })
    relays.push(a)
    await waitUntil(() => a.stats().dialers.every((d) => d.connected), 'A is connected to B')
    const read = await call(base(a), 'GET', '/api/v1/data/only-on-b')
    expect(read.status).toBe(200)
    expect(read.body).toMatchObject({ data: { where: 'b' } })
    // A REST write on A is acknowledged by A's storage and reaches B.
    expect((await call(base(a), 'PUT', '/api/v1/data/from-a', { where: 'a' })).status).toBe(200)
    await waitUntil(async () => (await call(base(b), 'GET', '/api/v1/data/from-a')).status === 200, 'the write reaches B')
  })
})
