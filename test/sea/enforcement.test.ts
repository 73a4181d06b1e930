import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { certify, pair, type Pair, sign } from '../../src/sea/index.js'
import { freePort, type RelayProcess, startRelayProcess } from '../server/processes.js'
import { type RawClient, rawClient, stockRelay } from '../server/helpers.js'

/**
 * SEA's write rules over the raw wire, against a real Trellis relay process and a stock Gun relay
 * (Node `gun`, which loads SEA): every attack is refused with stock's text and nothing is stored,
 * on both; the writes the rules allow are stored on both.
 */

let alice: Pair
let bob: Pair
let trellis: RelayProcess
let stock: Awaited<ReturnType<typeof stockRelay>>
const clients: RawClient[] = []
let seq = 0

beforeAll(async () => {
  ;[alice, bob] = await Promise.all([pair(), pair()])
  trellis = await startRelayProcess(await freePort(), undefined)
  stock = await stockRelay()
})

afterAll(async () => {
  for (const c of clients) c.close()
  await trellis?.kill()
  await stock?.close()
})

/** `{":": value, "~": signature}` as a SEA user writes it, signed over soul, key, value and state. */
async function signed(soul: string, key: string, value: unknown, state: number, by: Pair, extra: Record<string, unknown> = {}): Promise<string> {
  const { s } = (await sign({ '#': soul, '.': key, ':': value, '>': state }, by, { raw: true })) as { s: string }
  return JSON.stringify({ ':': value, '~': s, ...extra })
}

function putMessage(soul: string, key: string, value: unknown, state: number) {
  return { '#': `put${++seq}${Math.random().toString(36).slice(2, 8)}`, put: { [soul]: { _: { '#': soul, '>': { [key]: state } }, [key]: value } } }
}

/** Send a put to a relay; resolve with its answer (`ok` or `err`). */
async function write(url: string, soul: string, key: string, value: unknown, state = Date.now()): Promise<{ ok?: unknown; err?: string }> {
  const client = await rawClient(url)
  clients.push(client)
  const msg = putMessage(soul, key, value, state)
  client.send(msg)
  return (await client.waitFor((m) => m['@'] === msg['#'] && (m.ok !== undefined || m.err !== undefined), 10_000)) as { ok?: unknown; err?: string }
}

/** What a relay holds for soul.key, asked by a fresh client (undefined when it has no such key). */
async function read(url: string, soul: string, key: string): Promise<unknown> {
  const client = await rawClient(url)
  clients.push(client)
  const id = `get${++seq}`
  client.send({ '#': id, get: { '#': soul, '.': key } })
  const reply = (await client.waitFor((m) => m['@'] === id, 10_000)) as { put?: Record<string, Record<string, unknown>> }
  const node = reply.put?.[soul]
  return node !== undefined && Object.hasOwn(node, key) ? node[key] : undefined
}

const relays = () =>
  [
    ['trellis', trellis.url],
    ['stock', stock.url],
  ] as const

describe('SEA write rules on the wire: Trellis relay and stock relay side by side', () => {
  it('stores a value its owner signed, on both', async () => {
    const soul = `~${alice.pub}`
    for (const [name, url] of relays()) {
      const state = Date.now()
      const value = await signed(soul, 'greeting', `hello ${name}`, state, alice)
      expect(await write(url, soul, 'greeting', value, state)).toMatchObject({ ok: expect.anything() })
      expect(await read(url, soul, 'greeting')).toBe(value)
    }
  })

  const attacks: Array<[string, string, () => Promise<{ soul: string; key: string; value: unknown; state: number }>]> = [
    ['an unsigned value', 'Unverified data.', async () => ({ soul: `~${alice.pub}`, key: 'unsigned', value: 'hello', state: Date.now() })],
    [
      'a value signed by someone else',
      'Unverified data.',
      async () => {
        const state = Date.now()
        return { soul: `~${alice.pub}`, key: 'forged', value: await signed(`~${alice.pub}`, 'forged', 'hi', state, bob), state }
      },
    ],
    [
      'a signature replayed under another key',
      'Unverified data.',
      async () => {
        const state = Date.now()
        return { soul: `~${alice.pub}`, key: 'replayed', value: await signed(`~${alice.pub}`, 'greeting', 'hi', state, alice), state }
      },
    ],
    [
      'a signature replayed at another state',
      'Unverified data.',
      async () => {
        const state = Date.now()
        return { soul: `~${alice.pub}`, key: 'restated', value: await signed(`~${alice.pub}`, 'restated', 'hi', state - 1000, alice), state }
      },
    ],
    [
      'another account in an alias list',
      'Alias not same!',
      async () => ({ soul: '~@alice', key: `~${alice.pub}`, value: { '#': `~${bob.pub}` }, state: Date.now() }),
    ],
    ['a forged entry in the list of aliases', 'Alias not same!', async () => ({ soul: '~@', key: 'alice', value: { '#': '~@mallory' }, state: Date.now() })],
    ["a pub that is not the account's", 'Account not same!', async () => ({ soul: `~${alice.pub}`, key: 'pub', value: bob.pub, state: Date.now() })],
    [
      'content that does not match its hash',
      'Data hash not same as hash!',
      async () => ({ soul: 'files#', key: 'bm90IGEgaGFzaA==', value: 'data', state: Date.now() }),
    ],
    [
      'a write under an expired certificate',
      'Certificate expired.',
      async () => {
        const soul = `~${alice.pub}/inbox`
        const state = Date.now()
        const cert = JSON.parse(((await certify(bob.pub, { '*': 'inbox' }, alice, { expiry: state - 60_000 })) as string).slice(3))
        return { soul, key: 'late', value: await signed(soul, 'late', 'hi', state, bob, { '+': cert, '*': bob.pub }), state }
      },
    ],
    [
      "a write outside the certificate's path",
      'Certificate verification fail.',
      async () => {
        const soul = `~${alice.pub}/private`
        const state = Date.now()
        const cert = JSON.parse(((await certify(bob.pub, { '*': 'inbox' }, alice)) as string).slice(3))
        return { soul, key: 'sneaky', value: await signed(soul, 'sneaky', 'hi', state, bob, { '+': cert, '*': bob.pub }), state }
      },
    ],
  ]

  for (const [what, text, make] of attacks) {
    it(`refuses ${what} with "${text}" and stores nothing, on both`, async () => {
      const { soul, key, value, state } = await make()
      for (const [name, url] of relays()) {
        const answer = await write(url, soul, key, value, state)
        expect({ relay: name, err: answer.err }).toEqual({ relay: name, err: text })
        expect({ relay: name, stored: await read(url, soul, key) }).toEqual({ relay: name, stored: undefined })
      }
    })
  }

  it('stores a write made under a valid certificate, on both', async () => {
    const soul = `~${alice.pub}/inbox`
    const cert = JSON.parse(((await certify(bob.pub, { '*': 'inbox' }, alice)) as string).slice(3))
    for (const [name, url] of relays()) {
      const state = Date.now()
      const value = await signed(soul, `from-bob-${name}`, 'hi alice', state, bob, { '+': cert, '*': bob.pub })
      expect(await write(url, soul, `from-bob-${name}`, value, state)).toMatchObject({ ok: expect.anything() })
      expect(await read(url, soul, `from-bob-${name}`)).toBe(value)
    }
  })

  it("refuses a writer (*) without a certificate, which stock stores (anyone could write into anyone's space)", async () => {
    const soul = `~${alice.pub}`
    const state = Date.now()
    const value = await signed(soul, 'intruder', 'mine now', state, bob, { '*': bob.pub })
    expect(await write(trellis.url, soul, 'intruder', value, state)).toMatchObject({ err: 'Unverified data.' })
    expect(await read(trellis.url, soul, 'intruder')).toBeUndefined()
    expect(await write(stock.url, soul, 'intruder', value, state)).toMatchObject({ ok: expect.anything() })
    expect(await read(stock.url, soul, 'intruder')).toBe(value)
  })

  it('takes an identical signed write sent again (a replay) without changing anything, on both', async () => {
    const soul = `~${alice.pub}`
    const state = Date.now()
    const value = await signed(soul, 'replay', 'once', state, alice)
    for (const [, url] of relays()) expect(await write(url, soul, 'replay', value, state)).toMatchObject({ ok: expect.anything() })
    // Trellis acknowledges the replay (it changed nothing); stock never answers a put that changes nothing.
    expect(await write(trellis.url, soul, 'replay', value, state)).toMatchObject({ ok: true })
    const client = await rawClient(stock.url)
    clients.push(client)
    client.send(putMessage(soul, 'replay', value, state))
    for (const [, url] of relays()) expect(await read(url, soul, 'replay')).toBe(value)
  })

  it("with --secure, refuses unsigned writes outside user space (stock's opt.secure) but takes signed ones", async () => {
    const secure = await startRelayProcess(await freePort(), undefined, [], { secure: true })
    try {
      expect(await write(secure.url, 'plain', 'x', 1)).toMatchObject({ err: "Soul missing public key at 'x'." })
      expect(await read(secure.url, 'plain', 'x')).toBeUndefined()
      const soul = `~${alice.pub}`
      const state = Date.now()
      expect(await write(secure.url, soul, 'ok', await signed(soul, 'ok', 1, state, alice), state)).toMatchObject({ ok: expect.anything() })
    } finally {
      await secure.kill()
    }
  })

  it('stores content under its hash and an alias list entry that names itself, on both', async () => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('some content')))
    const hash = btoa(String.fromCharCode(...digest))
    for (const [, url] of relays()) {
      expect(await write(url, 'files#', hash, 'some content')).toMatchObject({ ok: expect.anything() })
      expect(await read(url, 'files#', hash)).toBe('some content')
      expect(await write(url, '~@alice', `~${alice.pub}`, { '#': `~${alice.pub}` })).toMatchObject({ ok: expect.anything() })
    }
  })
})
