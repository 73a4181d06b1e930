import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pair, type Pair, sign } from '../../src/sea/index.js'
import { call, serve, type Served } from '../server-http/helpers.js'

/** REST writes into user space: a signed body (the value as a SEA user writes it, with its state) or a refusal. */
let relay: Served
let alice: Pair

beforeAll(async () => {
  relay = await serve()
  alice = await pair()
})
afterAll(async () => relay?.close())

async function signedBody(soul: string, key: string, value: unknown, state: number, by: Pair) {
  const { s } = (await sign({ '#': soul, '.': key, ':': value, '>': state }, by, { raw: true })) as { s: string }
  return { ':': value, '~': s, '>': state }
}

const path = (soul: string, key: string) => `/api/v1/data/${encodeURIComponent(soul)}/${encodeURIComponent(key)}`

describe('REST writes into user space', () => {
  it('stores a value its owner signed, and reads it back plain', async () => {
    const soul = `~${alice.pub}`
    const put = await call(relay.base, 'PUT', path(soul, 'status'), await signedBody(soul, 'status', 'busy', Date.now(), alice))
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ data: 'busy' })
    expect((await call(relay.base, 'GET', path(soul, 'status'))).body).toMatchObject({ data: 'busy' })
  })

  it("refuses unsigned, tampered and replayed bodies with 403 and stock's text, storing nothing", async () => {
    const soul = `~${alice.pub}`
    const state = Date.now()
    const good = await signedBody(soul, 'mood', 'happy', state, alice)
    const cases: Array<[string, unknown, string]> = [
      ['unsigned', JSON.stringify('happy'), 'mood'],
      ['tampered', { ...good, ':': 'sad' }, 'mood'],
      ['replayed under another key', good, 'other'],
      ['at another state', { ...good, '>': state + 1 }, 'mood'],
    ]
    for (const [what, body, key] of cases) {
      const res = await call(relay.base, 'PUT', path(soul, key), body)
      expect({ what, status: res.status, body: res.body }).toMatchObject({ what, status: 403, body: { code: 'UNVERIFIED', message: 'Unverified data.' } })
    }
    expect((await call(relay.base, 'GET', path(soul, 'mood'))).status).toBe(404)
    expect((await call(relay.base, 'GET', path(soul, 'other'))).status).toBe(404)
  })

  it('refuses a signed body without its state', async () => {
    const soul = `~${alice.pub}`
    const { ':': value, '~': s } = await signedBody(soul, 'x', 1, Date.now(), alice)
    const res = await call(relay.base, 'PUT', path(soul, 'x'), { ':': value, '~': s })
    expect(res.status).toBe(400)
  })
})
