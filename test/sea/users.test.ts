import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Gun } from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { certify, decrypt, encrypt, pair, secret } from '../../src/sea/index.js'
import type { UserAck } from '../../src/sea/user.js'
import { rawClient, stockRelay, tmpDir } from '../server/helpers.js'
import { freePort, type RelayProcess, startRelayProcess } from '../server/processes.js'
import { type StockUser, startStockUser } from './stock-user.js'

/** Accounts across Trellis and stock Gun, through real relays: a Trellis relay process and a stock relay. */

let relay: RelayProcess
let stock: Awaited<ReturnType<typeof stockRelay>>
const instances: RootChain[] = []
const stockUsers: StockUser[] = []

beforeAll(async () => {
  relay = await startRelayProcess(await freePort(), undefined)
  stock = await stockRelay()
})

afterAll(async () => {
  for (const gun of instances) await gun.close()
  for (const user of stockUsers) await user.kill()
  await relay?.kill()
  await stock?.close()
})

function trellis(url: string): RootChain {
  const gun = Gun({ peers: [url], radisk: false })
  instances.push(gun)
  return gun
}

async function stockUser(url: string): Promise<StockUser> {
  const user = await startStockUser(url, tmpDir('stock-user-'))
  stockUsers.push(user)
  return user
}

const call = (run: (cb: (ack: UserAck) => void) => void) => new Promise<UserAck>((resolve) => run(resolve))
const ackOf = (run: (cb: (ack: { err?: string; ok?: unknown }) => void) => void) => new Promise<{ err?: string; ok?: unknown }>((resolve) => run(resolve))
const alias = (name: string) => `${name}${Math.random().toString(36).slice(2, 8)}`

describe('SEA users through real relays', () => {
  it('create, auth and a signed space, Trellis to Trellis through a Trellis relay', async () => {
    const name = alias('alice')
    const a = trellis(relay.url).user()
    expect(await call((cb) => a.create(name, 'password123', cb))).toMatchObject({ ok: 0, pub: expect.any(String) })
    expect(await call((cb) => a.create(name, 'password123', cb))).toEqual({ err: 'User already created!' })
    const login = await call((cb) => a.auth(name, 'password123', cb))
    expect(login.err).toBeUndefined()
    expect(a.is?.alias).toBe(name)
    expect(await ackOf((cb) => a.get('profile').get('name').put('Alice', cb))).toMatchObject({ ok: true })
    // another instance, logging in with the password, reads it back
    const b = trellis(relay.url).user()
    expect(await call((cb) => b.auth(name, 'wrong password', cb))).toEqual({ err: 'Wrong user or password.' })
    const again = await call((cb) => b.auth(name, 'password123', cb))
    expect(again.pub).toBe(login.pub)
    expect(await b.get('profile').get('name')).toBe('Alice')
    // anyone reads a user's space by pub
    expect(
      await trellis(relay.url)
        .user(login.pub as string)
        .get('profile')
        .get('name'),
    ).toBe('Alice')
    expect(await call((cb) => a.create(alias('x'), 'short', cb))).toEqual({ err: 'Password too short!' })
  })

  it("a user created by a stock client through the Trellis relay logs in with trellis/gun, both read each other's writes", async () => {
    const name = alias('bob')
    const s = await stockUser(relay.url)
    const created = await s.create(name, 'password123')
    expect(created.err).toBeUndefined()
    expect((await s.auth(name, 'password123')).pub).toBe(created.pub)
    expect((await s.put('says', 'hi from stock')).err).toBeUndefined()
    const t = trellis(relay.url).user()
    expect((await call((cb) => t.auth(name, 'password123', cb))).pub).toBe(created.pub)
    expect(await t.get('says')).toBe('hi from stock')
    expect(await ackOf((cb) => t.get('reply').put('hello from trellis', cb))).toMatchObject({ ok: true })
    expect((await s.read(created.pub as string, 'reply')).value).toBe('hello from trellis')
  })

  it('the reverse through a stock relay: a Trellis user logs in on a stock client', async () => {
    const name = alias('carol')
    const t = trellis(stock.url).user()
    const created = await call((cb) => t.create(name, 'password123', cb))
    expect(created.err).toBeUndefined()
    await call((cb) => t.auth(name, 'password123', cb))
    expect(await ackOf((cb) => t.get('note').put('written by trellis', cb))).toMatchObject({ ok: true })
    const s = await stockUser(stock.url)
    expect((await s.auth(name, 'password123')).pub).toBe(created.pub)
    expect((await s.read(created.pub as string, 'note')).value).toBe('written by trellis')
  })

  it('two users exchange an encrypted message through their shared secret', async () => {
    const [a, b] = [trellis(relay.url).user(), trellis(relay.url).user()]
    const [na, nb] = [alias('dan'), alias('eve')]
    await call((cb) => a.create(na, 'password123', cb))
    await call((cb) => b.create(nb, 'password123', cb))
    await call((cb) => a.auth(na, 'password123', cb))
    await call((cb) => b.auth(nb, 'password123', cb))
    const key = await secret(b._.sea?.epub as string, a._.sea as never)
    const sealed = await encrypt('meet at noon', key)
    expect(await ackOf((cb) => a.get('to-eve').put(sealed as string, cb))).toMatchObject({ ok: true })
    const readByEve = await trellis(relay.url)
      .user(a.is?.pub as string)
      .get('to-eve')
    expect(await decrypt(readByEve, await secret(a._.sea?.epub as string, b._.sea as never))).toBe('meet at noon')
  })
})

describe("a logged-in user's writes (signed, pipelined), on one instance without peers", () => {
  it('are applied in the order issued, and a read issued after them sees them', async () => {
    const gun = Gun({ radisk: false })
    instances.push(gun)
    const user = gun.user()
    const name = alias('fay')
    await call((cb) => user.create(name, 'password123', cb))
    await call((cb) => user.auth(name, 'password123', cb))
    const acks: string[] = []
    for (let i = 0; i < 50; i++) user.get('counter').put(i, () => acks.push(`c${i}`))
    user.get('profile').put({ name: 'Fay' })
    // Built before the profile link is applied: the build must still find it (pendingLink), not make another.
    user.get('profile').get('age').put(33)
    expect(await user.get('counter')).toBe(49)
    expect(await user.get('profile').get('name')).toBe('Fay')
    expect(await user.get('profile').get('age')).toBe(33)
    await gun.synced()
    expect(acks).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`))
  })

  it('the later of two writes to one key wins, whichever of them is built first (states are taken in issue order)', async () => {
    const gun = Gun({ radisk: false })
    instances.push(gun)
    const user = gun.user()
    const name = alias('gus')
    await call((cb) => user.create(name, 'password123', cb))
    await call((cb) => user.auth(name, 'password123', cb))
    // A put on a key is built once the writes before it are; a flat object on the user's soul is built at once.
    user.get('x').put(1)
    user.put({ x: 2 })
    user.get('list').set({ n: 1 })
    user.get('y').put('first')
    user.put({ y: 'second' })
    await gun.synced()
    expect(await user.get('x')).toBe(2)
    expect(await user.get('y')).toBe('second')
  })

  it("are refused before login, and a write into another user's space without a certificate is refused", async () => {
    const gun = Gun({ radisk: false })
    instances.push(gun)
    const user = gun.user()
    expect(await ackOf((cb) => user.get('x').put(1, cb))).toEqual({ err: 'User is not logged in.', code: 'UNVERIFIED' })
    const name = alias('gus')
    await call((cb) => user.create(name, 'password123', cb))
    const other = (await call((cb) => gun.user().auth(name, 'password123', cb))).pub as string
    const stranger = await pair()
    expect((await ackOf((cb) => gun.user(stranger.pub).get('x').put(1, cb))).err).toBe('Unverified data.')
    expect(await gun.user(other).get('x')).toBeUndefined()
  })
})

describe('db.user() in the typed API', () => {
  it("creates, logs in and writes the user's space typed by its schema", async () => {
    const { createDb } = await import('../../src/index.node.js')
    const db = createDb()
    instances.push(db as unknown as RootChain)
    const me = db.user<{ profile: { name: string; age: number } }>()
    const name = alias('hal')
    await new Promise<UserAck>((resolve) => me.create(name, 'password123', resolve))
    const login = await new Promise<UserAck>((resolve) => me.auth(name, 'password123', resolve))
    expect(me.is?.alias).toBe(name)
    await new Promise((resolve) => me.get('profile').put({ name: 'Hal', age: 9 }, resolve))
    // @ts-expect-error: not a key of the schema
    me.get('nope')
    expect(
      await db
        .user<{ profile: { name: string } }>(login.pub as string)
        .get('profile')
        .get('name'),
    ).toBe('Hal')
  })
})

describe('accounts made by SEA before 2020 (the vectors of stock\'s own "legacy" tests)', () => {
  const vector = (name: string) => {
    const source = readFileSync(createRequire(import.meta.url).resolve('gun/test/sea/sea.js'), 'utf8')
    const blob = new RegExp(`it\\('${name.replace(/[[\]]/g, '\\$&')}', [\\s\\S]*?atob\\("([^"]+)"\\)`).exec(source)?.[1] as string
    return JSON.parse(atob(blob)) as Record<string, unknown> & { _: { '#': string } }
  }

  for (const [name, aliasName] of [
    ['legacy', 'bob'],
    ['legacy []', 'alice'],
  ] as const) {
    it(`"${name}": the old account syncs through a Trellis relay and logs in with trellis/gun`, async () => {
      const old = vector(name)
      const soul = old._['#']
      const raw = await rawClient(relay.url)
      const put = (id: string, graph: unknown) => {
        raw.send({ '#': id, put: graph })
        return raw.waitFor((m) => m['@'] === id, 10_000)
      }
      expect(await put(`legacy-account-${aliasName}`, { [soul]: old })).toMatchObject({ ok: true })
      const aliasSoul = `~@${aliasName}`
      expect(await put(`legacy-alias-${aliasName}`, { [aliasSoul]: { _: { '#': aliasSoul, '>': { [soul]: 1 } }, [soul]: { '#': soul } } })).toMatchObject({
        ok: true,
      })
      raw.close()
      const user = trellis(relay.url).user()
      const login = await call((cb) => user.auth(aliasName, 'test123', cb))
      expect(login.err).toBeUndefined()
      expect(login.pub).toBe(soul.slice(1))
      expect(user.is?.alias).toBe(aliasName)
      // and its old signed values read as plain values
      expect(await trellis(relay.url).user(soul.slice(1)).get('alias')).toBe(aliasName)
    })
  }

  it('refuses a pre-2020 message signed over the value alone at a state after 2019 (it is not bound to its place)', async () => {
    const old = vector('legacy')
    const soul = old._['#']
    const raw = await rawClient(relay.url)
    raw.send({ '#': 'late-legacy', put: { [soul]: { _: { '#': soul, '>': { alias: Date.now() } }, alias: old.alias } } })
    expect(await raw.waitFor((m) => m['@'] === 'late-legacy', 10_000)).toMatchObject({ err: 'Unverified data.' })
    raw.close()
  })
})

describe("certificates through the chain API (stock's call shape put(data, cb, { opt: { cert } }))", () => {
  const setup = async () => {
    const gun = trellis(relay.url)
    const owner = await pair()
    const writerGun = trellis(relay.url)
    const writer = writerGun.user()
    const name = alias('writer')
    await call((cb) => writer.create(name, 'password123', cb))
    await call((cb) => writer.auth(name, 'password123', cb))
    return { gun, owner, writerGun, writer: writer._.sea as NonNullable<typeof writer._.sea> }
  }
  const put = (chain: { put(data: unknown, cb: (ack: { err?: string }) => void, opt: unknown): unknown }, data: unknown, cert: unknown) =>
    new Promise<{ err?: string }>((resolve) => chain.put(data, resolve, { opt: { cert } }))

  it("writes into another user's space where the certificate allows, and nowhere else", async () => {
    const { owner, writerGun, writer } = await setup()
    const cert = await certify(writer.pub, { '*': 'inbox' }, owner)
    expect(await put(writerGun.user(owner.pub).get('inbox').get('hello'), 'hi', cert)).toMatchObject({ ok: true })
    expect(await writerGun.user(owner.pub).get('inbox').get('hello')).toBe('hi')
    expect((await put(writerGun.user(owner.pub).get('private').get('x'), 'no', cert)).err).toBe('Certificate verification fail.')
    // without the certificate the same write is not even signed for that space
    expect((await put(writerGun.user(owner.pub).get('inbox').get('bare'), 'no', undefined)).err).toBe('Unverified data.')
  })

  it('takes a list of certificants that names the writer (stock ignores such a certificate silently)', async () => {
    const { owner, writerGun, writer } = await setup()
    const other = await pair()
    const cert = await certify([other.pub, writer.pub], { '*': 'inbox' }, owner)
    expect(await put(writerGun.user(owner.pub).get('inbox').get('listed'), 'hi', cert)).toMatchObject({ ok: true })
    const notListed = await certify([other.pub, owner.pub], { '*': 'inbox' }, owner)
    expect((await put(writerGun.user(owner.pub).get('inbox').get('unlisted'), 'no', notListed)).err).toBe('Certificate verification fail.')
  })

  it('refuses a certificate its owner did not sign, with an error (stock: silence)', async () => {
    const { owner, writerGun, writer } = await setup()
    const forged = await certify(writer.pub, { '*': 'inbox' }, writer)
    expect((await put(writerGun.user(owner.pub).get('inbox').get('forged'), 'no', forged)).err).toBe('Certificate verification fail.')
  })

  it('with "+": "*" in the policy, requires the writer\'s pub in the path or key', async () => {
    const { owner, writerGun, writer } = await setup()
    const cert = await certify('*', { '*': 'inbox', '+': '*' }, owner)
    expect(await put(writerGun.user(owner.pub).get('inbox').get(`from-${writer.pub}`), 'hi', cert)).toMatchObject({ ok: true })
    expect((await put(writerGun.user(owner.pub).get('inbox').get('anonymous'), 'no', cert)).err).toMatch(
      /^Path "inbox" or key "anonymous" must contain string ".+"\.$/,
    )
  })

  it('refuses a writer the owner blocked (a block list named by the certificate)', async () => {
    const { owner, gun, writerGun, writer } = await setup()
    const cert = await certify(writer.pub, { '*': 'inbox' }, owner, { block: 'blocked' })
    expect(await put(writerGun.user(owner.pub).get('inbox').get('before'), 'hi', cert)).toMatchObject({ ok: true })
    // The owner blocks the writer: ~owner.blocked → a node whose <writer pub> key is true.
    const ownerUser = gun.user()
    await call((cb) => ownerUser.auth(owner, cb))
    await new Promise((resolve) => ownerUser.get('blocked').get(writer.pub).put(true, resolve))
    expect((await put(writerGun.user(owner.pub).get('inbox').get('after'), 'no', cert)).err).toBe(`Certificant ${writer.pub} blocked.`)
  })
})
