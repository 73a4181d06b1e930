/**
 * `trellis/sea`: SEA (Security, Encryption, Authorization) on WebCrypto,
 * in Node 20 and browsers (in Node, signatures on `node:crypto`:
 * index.node.ts), with stock Gun SEA's formats byte for byte
 * (docs/sea.md). The named functions are the typed API: they throw on bad
 * input. `SEA` is stock's object: the same operations with stock's call
 * shapes (an optional callback, a promise that resolves to `undefined` on
 * failure with the reason in `SEA.err`, or rejects when `SEA.throw` is set).
 */
import { type CertifyOptions, type Certificants, certify, type Policy } from './certify.js'
import { type CipherKey, decrypt, encrypt } from './cipher.js'
import { secret } from './cipher.js'
import { createPair, type Pair } from './keys.js'
import { sign, verify } from './sign.js'
import { type WorkOptions, work } from './work.js'

export type { Certificate, CertifyOptions, Certificants, Policy } from './certify.js'
export type { CipherKey, Encrypted } from './cipher.js'
export type { Pair } from './keys.js'
export type { Signed } from './sign.js'
export type { WorkOptions } from './work.js'
export { certify, createPair as pair, decrypt, encrypt, secret, sign, verify, work }

/** Stock SEA's optional callback: the result, or `undefined` on failure (the reason is in `SEA.err`). */
export type Callback<T> = ((result: T | undefined) => void) | null | undefined

/** Stock SEA's `opt` argument, shared by its operations; each reads the fields it knows. */
export interface SeaOptions {
  raw?: boolean
  encode?: 'base64' | 'hex' | 'utf8'
  name?: string
  iterations?: number
  length?: number
  salt?: string
  expiry?: number | string
  block?: CertifyOptions['block']
}

/** Stock Gun's `SEA` object: each operation takes an optional callback and resolves to undefined on failure (the reason in `err`), or rejects when `throw` is set. */
export interface StockSea {
  /** The reason the last failed call failed. */
  err: unknown
  /** Reject instead of resolving to undefined on failure. */
  throw: boolean
  /** A new key pair (signing and encryption). */
  pair(cb?: Callback<Pair>): Promise<Pair | undefined>
  /** Sign `data` with the pair's private key: stock's `SEA{m,s}` text. */
  sign(data: unknown, pair: Pick<Pair, 'pub' | 'priv'>, cb?: Callback<unknown>, opt?: SeaOptions): Promise<unknown>
  /** The signed data when the signature is the given public key's, else undefined. */
  verify(data: unknown, pair: string | Pick<Pair, 'pub'> | false, cb?: Callback<unknown>, opt?: SeaOptions): Promise<unknown>
  /** Encrypt with a pair's `epriv` or a shared secret: stock's `SEA{ct,iv,s}` text. */
  encrypt(data: unknown, pair: CipherKey, cb?: Callback<unknown>, opt?: SeaOptions): Promise<unknown>
  /** Decrypt what `encrypt` made; undefined with the wrong key. */
  decrypt(data: unknown, pair: CipherKey, cb?: Callback<unknown>, opt?: SeaOptions): Promise<unknown>
  /** The ECDH secret shared by another's `epub` and this pair's `epriv`. */
  secret(key: string | Pick<Pair, 'epub'>, pair: Pick<Pair, 'epub' | 'epriv'>, cb?: Callback<string>, opt?: SeaOptions): Promise<string | undefined>
  /** PBKDF2 (or a plain hash with `opt.name`) of data and salt. */
  work(data: unknown, salt?: unknown, cb?: Callback<string>, opt?: SeaOptions): Promise<string | undefined>
  /** A certificate letting the certificants write where the policy allows, signed by the authority. */
  certify(certificants: Certificants, policy: Policy, authority: Pick<Pair, 'pub' | 'priv'>, cb?: Callback<unknown>, opt?: SeaOptions): Promise<unknown>
}

/** Run an operation with stock's conventions: callback, undefined on failure, `SEA.err`, `SEA.throw`. */
function stock<T>(sea: StockSea, run: () => Promise<T>, cb: Callback<T>): Promise<T | undefined> {
  return run().then(
    (result) => {
      if (typeof cb === 'function') cb(result)
      return result
    },
    (error: unknown) => {
      sea.err = error
      if (sea.throw) throw error
      if (typeof cb === 'function') cb(undefined)
      return undefined
    },
  )
}

/** Stock Gun's `SEA` object, on the typed functions above. */
export function createStockSea(): StockSea {
  const sea: StockSea = {
    err: undefined,
    throw: false,
    pair: (cb) => stock(sea, createPair, cb),
    sign: (data, pair, cb, opt) => stock(sea, () => sign(data, pair, { raw: opt?.raw }), cb),
    verify: (data, pair, cb) => stock(sea, () => verify(data, pair), cb),
    encrypt: (data, pair, cb, opt) => stock(sea, () => encrypt(data, pair, { raw: opt?.raw }), cb),
    decrypt: (data, pair, cb) => stock(sea, () => decrypt(data, pair), cb),
    secret: (key, pair, cb) => stock(sea, () => secret(key, pair), cb),
    work(data, salt, cb, opt) {
      // Stock accepts work(data, cb): the callback in the salt's place.
      if (typeof salt === 'function') return stock(sea, () => work(data, undefined, workOptions(opt)), salt as Callback<string>)
      return stock(sea, () => work(data, salt as string | Pick<Pair, 'epub'> | null | undefined, workOptions(opt)), cb)
    },
    certify: (certificants, policy, authority, cb, opt) =>
      stock(sea, () => certify(certificants, policy, authority, { expiry: opt?.expiry, block: opt?.block, raw: opt?.raw }), cb),
  }
  return sea
}

function workOptions(opt: SeaOptions | undefined): WorkOptions {
  if (opt === undefined) return {}
  const { name, encode, iterations, length, salt } = opt
  return { name, encode, iterations, length, salt }
}

/** The shared instance, as `Gun.SEA` and `require('gun/sea')` are one object. */
export const SEA: StockSea = createStockSea()
