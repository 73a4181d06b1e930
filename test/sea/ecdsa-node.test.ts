import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import { ecdsa, useEcdsa } from '../../src/sea/ecdsa.js'
import { nodeEcdsa } from '../../src/sea/ecdsa-node.js'
import { pair, sign, verify } from '../../src/sea/index.js'
import { loadStockSea, quietly } from './stock-sea.js'

// Node's entry points sign and verify on Node's crypto (ecdsa-node.ts), browsers on WebCrypto: a
// signature made by either must verify with the other, and with stock SEA, byte for byte the same format.
const webCrypto = ecdsa()

afterEach(() => useEcdsa(webCrypto))

const message = { '#': '~a.b/profile', '.': 'name', ':': 'ünïcödé ✓', '>': 1_700_000_000_000 }

describe("SEA's primitives on Node's crypto", () => {
  it('hashes as WebCrypto does', async () => {
    for (const text of ['', 'a', JSON.stringify(message), 'ünïcödé ✓ 𝄞'.repeat(50)]) {
      const web = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
      expect([...nodeEcdsa.sha256(text)]).toEqual([...web])
      expect([...webCrypto.sha256(text)]).toEqual([...web])
    }
  })

  it('signs with primitives whose promises come from another realm (a polyfill, a vm-based test pool)', async () => {
    const keys = await pair()
    const ForeignPromise = runInNewContext('Promise') as PromiseConstructor
    useEcdsa({
      ...webCrypto,
      sign: (key, digest) =>
        new ForeignPromise<ArrayBuffer | Uint8Array>((resolve, reject) => void Promise.resolve(webCrypto.sign(key, digest)).then(resolve, reject)),
    })
    const signed = await sign(message, keys)
    useEcdsa(webCrypto)
    expect(await verify(signed, keys.pub)).toEqual(message)
  })

  it('signs what WebCrypto verifies and verifies what WebCrypto signs', async () => {
    const keys = await pair()
    useEcdsa(nodeEcdsa)
    const byNode = await sign(message, keys)
    useEcdsa(webCrypto)
    const byWeb = await sign(message, keys)
    expect(await verify(byNode, keys.pub)).toEqual(message)
    useEcdsa(nodeEcdsa)
    expect(await verify(byWeb, keys.pub)).toEqual(message)
  })

  it('refuses tampered data, another key, a malformed signature and a key that is not a point', async () => {
    useEcdsa(nodeEcdsa)
    const keys = await pair()
    const other = await pair()
    const signed = JSON.parse((await sign(message, keys)).toString().slice(3)) as { m: typeof message; s: string }
    expect(await verify({ ...signed, m: { ...signed.m, ':': 'changed' } }, keys.pub)).toBeUndefined()
    expect(await verify(signed, other.pub)).toBeUndefined()
    expect(await verify({ ...signed, s: signed.s.slice(0, 40) }, keys.pub)).toBeUndefined()
    expect(await verify({ ...signed, s: 'not base64 at all!' }, keys.pub)).toBeUndefined()
    // Well-formed text, but not a point on P-256.
    expect(await verify(signed, `${'A'.repeat(43)}.${'A'.repeat(43)}`)).toBeUndefined()
  })

  it("signs what stock SEA verifies, and verifies stock SEA's signatures", async () => {
    useEcdsa(nodeEcdsa)
    const stock = loadStockSea()
    const keys = await pair()
    const ours = await sign(message, keys)
    expect(await quietly(() => stock.verify(ours, keys.pub))).toEqual(message)
    const theirs = await quietly(() => stock.sign(message, keys))
    expect(await verify(theirs, keys.pub)).toEqual(message)
  })
})
