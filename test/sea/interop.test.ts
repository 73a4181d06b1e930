import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import { certify, decrypt, encrypt, pair, SEA, secret, sign, verify, work } from '../../src/sea/index.js'
import type { Pair } from '../../src/sea/keys.js'
import { loadStockSea, quietly, type StockSeaModule } from './stock-sea.js'

// Every JSON type stock SEA's own tests round-trip ("types"/"atypes"), and a JSON text, which comes back as the object.
const VALUES: Array<[unknown, unknown]> = [
  [null, null],
  [true, true],
  [false, false],
  [0, 0],
  [1, 1],
  [1.01, 1.01],
  ['', ''],
  ['a', 'a'],
  [[], []],
  [[1], [1]],
  [{}, {}],
  [{ a: 1 }, { a: 1 }],
  [JSON.stringify({ a: 1 }), { a: 1 }],
  ['ünïcödé ✓ 𝄞', 'ünïcödé ✓ 𝄞'],
]

let stock: StockSeaModule
let ours: Pair
let theirs: Pair

beforeAll(async () => {
  stock = loadStockSea()
  ours = await pair()
  theirs = await stock.pair()
})

describe('SEA interop with stock gun/sea, both ways', () => {
  it("pairs have stock's shape", () => {
    for (const p of [ours, theirs]) {
      expect(p.pub).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
      expect(p.epub).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
      expect(p.priv).toMatch(/^[A-Za-z0-9_-]{43}$/)
      expect(p.epriv).toMatch(/^[A-Za-z0-9_-]{43}$/)
    }
  })

  it("sign/verify every JSON type: ours verified by stock, stock's by ours", async () => {
    for (const [value, expected] of VALUES) {
      const signedByUs = await sign(value, ours)
      expect(signedByUs).toMatch(/^SEA\{"m":/)
      expect(await quietly(() => stock.verify(signedByUs, ours.pub))).toEqual(expected)
      const signedByStock = await stock.sign(value, theirs)
      expect(await verify(signedByStock, theirs.pub)).toEqual(expected)
      expect(await verify(signedByStock, theirs)).toEqual(expected)
    }
  })

  it('refuses tampered messages and wrong keys, as stock does', async () => {
    const signed = (await sign({ amount: 10 }, ours)) as string
    const tampered = signed.replace('10', '11')
    expect(await verify(tampered, ours.pub)).toBeUndefined()
    expect(await quietly(() => stock.verify(tampered, ours.pub))).toBeUndefined()
    expect(await verify(signed, theirs.pub)).toBeUndefined()
    expect(await quietly(() => stock.verify(signed, theirs.pub))).toBeUndefined()
    expect(await verify(signed, 'not a key')).toBeUndefined()
    expect(await verify('SEA{"m":1,"s":"!!"}', ours.pub)).toBeUndefined()
    expect(await verify(undefined, ours.pub)).toBeUndefined()
  })

  it('returns data it already signed unchanged (double sign), as stock does', async () => {
    const once = await sign('hello', ours)
    expect(await sign(once, ours)).toBe(once)
    const stockOnce = await stock.sign('hello', theirs)
    expect(await sign(stockOnce, theirs)).toBe(stockOnce)
    expect(await stock.sign(once, ours)).toBe(once)
  })

  it('encrypt/decrypt every JSON type with a pair and with a passphrase, both ways', async () => {
    for (const key of [ours, 'correct horse battery staple']) {
      for (const [value, expected] of VALUES) {
        const byUs = await encrypt(value, key)
        expect(byUs).toMatch(/^SEA\{"ct":/)
        expect(await quietly(() => stock.decrypt(byUs, key))).toEqual(expected)
        const byStock = await stock.encrypt(value, key)
        expect(await decrypt(byStock, key)).toEqual(expected)
      }
    }
  })

  it("uses stock's sizes: a 15-byte IV and a 9-byte salt", async () => {
    const { iv, s } = JSON.parse(((await encrypt('x', ours)) as string).slice(3))
    expect(atob(iv)).toHaveLength(15)
    expect(atob(s)).toHaveLength(9)
  })

  it('refuses to decrypt with the wrong key or a changed ciphertext', async () => {
    const sealed = (await encrypt('secret', ours)) as string
    expect(await decrypt(sealed, theirs)).toBeUndefined()
    const { ct, iv, s } = JSON.parse(sealed.slice(3))
    const flipped = `SEA${JSON.stringify({ ct: `${ct[0] === 'A' ? 'B' : 'A'}${ct.slice(1)}`, iv, s })}`
    expect(await decrypt(flipped, ours)).toBeUndefined()
    expect(await quietly(() => stock.decrypt(sealed, theirs))).toBeUndefined()
  })

  it('secret: both users derive the same key, whichever side computes it', async () => {
    const a = await secret(theirs.epub, ours)
    const b = await stock.secret(ours.epub, theirs)
    expect(a).toBe(b)
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // and a message sealed with it by one side opens on the other
    expect(await quietly(async () => stock.decrypt(await encrypt('hi bob', a), b))).toBe('hi bob')
  })

  it("work: PBKDF2 (100 000 rounds, 64 bytes) and SHA-256 give stock's results", async () => {
    expect(await work('password', 'salt')).toBe(await stock.work('password', 'salt'))
    expect(await work('password', ours)).toBe(await stock.work('password', ours))
    expect(await work({ a: 1 }, 'salt')).toBe(await stock.work({ a: 1 }, 'salt'))
    expect(await work('hello', null, { name: 'SHA-256' })).toBe(await stock.work('hello', null, null, { name: 'SHA-256' }))
    expect(await work('hello', null, { name: 'SHA-256', encode: 'hex' })).toBe(await stock.work('hello', null, null, { name: 'SHA-256', encode: 'hex' }))
    expect(await work('password', 'salt')).toHaveLength(88)
  })

  it('certify: a certificate made by either side verifies on the other with the same content', async () => {
    const policies = [{ '*': 'private' }, 'inbox', [{ '#': { '*': 'inbox' }, '.': { '*': 'msg' } }]]
    for (const policy of policies) {
      const ourCert = await certify(theirs.pub, policy, ours, { expiry: 1_900_000_000_000 })
      const stockCert = await quietly(() => stock.certify(ours.pub, policy, theirs, null, { expiry: 1_900_000_000_000 }))
      expect(await quietly(() => stock.verify(ourCert, ours.pub))).toEqual({ c: theirs.pub, e: 1_900_000_000_000, w: policy })
      expect(await verify(stockCert, theirs.pub)).toEqual({ c: ours.pub, e: 1_900_000_000_000, w: policy })
    }
    const everyone = await certify(['*'], { '*': 'inbox' }, ours)
    expect(await verify(everyone, ours.pub)).toEqual({ c: '*', w: { '*': 'inbox' } })
  })

  it('the stock-shaped SEA object: callbacks, undefined and SEA.err on failure', async () => {
    const signed = await new Promise((resolve) => SEA.sign('x', ours, resolve))
    expect(await SEA.verify(signed, ours.pub)).toBe('x')
    expect(await SEA.sign(undefined, ours)).toBeUndefined()
    expect(String(SEA.err)).toMatch(/undefined/)
    expect(await new Promise((resolve) => SEA.work('pw', resolve as never))).toHaveLength(88)
  })

  it('verifies and opens accounts made by SEA before 2020 (the vectors of stock\'s own "legacy" test)', async () => {
    // The account is read from the gun package's test file, as stock's test does: {_, pub, alias, epub, auth}.
    const source = readFileSync(createRequire(import.meta.url).resolve('gun/test/sea/sea.js'), 'utf8')
    const blob = /it\('legacy', [\s\S]*?atob\("([^"]+)"\)/.exec(source)?.[1] as string
    const old = JSON.parse(atob(blob)) as Record<string, string>
    expect(await verify(old.alias, false)).toBe('bob')
    expect(await verify(old.alias, old.pub)).toBe('bob')
    expect(await verify(old.alias, old.pub, { legacy: false })).toBeUndefined()
    const auth = (await verify(old.auth, old.pub)) as { ek: unknown; s: string }
    const proof = await work('test123', auth.s, { encode: 'utf8' })
    const keys = (await decrypt(auth.ek, proof)) as { priv: string; epriv: string }
    expect(keys.priv).toBe('leIA-BOFLECsOOdT_B8B0s1Ii0VHZZGlHz8q_dK-xLs')
    expect(await decrypt(auth.ek, await work('wrong password', auth.s, { encode: 'utf8' }))).toBeUndefined()
  })
})

describe('Gun.SEA on the drop-in', () => {
  it('is the SEA object of trellis/sea', async () => {
    const { Gun } = await import('../../src/gun.node.js')
    expect(Gun.SEA).toBe(SEA)
    const p = await Gun.SEA.pair()
    expect(await Gun.SEA.verify(await Gun.SEA.sign('x', p as Pair), p?.pub as string)).toBe('x')
  })
})
