import type { Pair } from './keys.js'
import { type Signed, sign } from './sign.js'

/** Who a certificate lets write: everyone (`*`), one pub, or several. */
export type Certificants = '*' | string | { pub: string } | Array<string | { pub: string }>

/** A write policy: a path prefix as text, a LEX object (`#` path, `.` key, `*` prefix, `=` exact, `>`/`<` range, `+`), or a list of them. */
export type Policy = string | Record<string, unknown> | Array<string | Record<string, unknown>>

/** Options of `certify`: expiry and the block list. */
export interface CertifyOptions {
  /** Ms timestamp after which writes under the certificate are refused. */
  expiry?: number | string
  /** A block list: the path of a node whose `<writer pub>` key, when true or 1, blocks that writer. */
  block?: string | { read?: string | { '#': string }; write?: string | { '#': string } }
  raw?: boolean
}

/** What a certificate says (`m` of its signed message). */
export interface Certificate {
  c: string | string[]
  e?: number
  r?: Policy
  w?: Policy
  rb?: unknown
  wb?: unknown
}

function certificantsOf(who: Certificants): string | string[] | undefined {
  const list = Array.isArray(who) ? who : [who]
  const pubs: string[] = []
  for (const one of list) {
    if (one === '*') return '*'
    if (typeof one === 'string') pubs.push(one)
    else if (one !== null && typeof one === 'object' && typeof one.pub === 'string') pubs.push(one.pub)
  }
  if (pubs.length === 0) return undefined
  return pubs.length === 1 ? pubs[0] : pubs
}

const LEX_KEYS = ['+', '#', '.', '=', '*', '>', '<']

/**
 * A certificate, signed by `authority`, letting `certificants` write where
 * `policy` allows into the authority's user space: stock SEA's format
 * (`SEA{"m":{"c":…,"e"?,"w"?,"r"?,"wb"?,"rb"?},"s":…}`).
 */
export async function certify(
  certificants: Certificants,
  policy: Policy | { read?: Policy; write?: Policy },
  authority: Pick<Pair, 'pub' | 'priv'>,
  options: CertifyOptions = {},
): Promise<string | Signed> {
  const c = certificantsOf(certificants)
  if (c === undefined) throw new Error('No certificant found.')
  const asRecord = policy !== null && typeof policy === 'object' && !Array.isArray(policy) ? (policy as Record<string, unknown>) : undefined
  const read = asRecord?.read as Policy | undefined
  const write =
    asRecord?.write !== undefined
      ? (asRecord.write as Policy)
      : typeof policy === 'string' || Array.isArray(policy) || (asRecord !== undefined && LEX_KEYS.some((k) => asRecord[k] !== undefined))
        ? (policy as Policy)
        : undefined
  if (read === undefined && write === undefined) throw new Error('No policy found.')
  const expiry = options.expiry === undefined ? undefined : Number.parseFloat(String(options.expiry))
  const block = options.block
  const readBlock = typeof block === 'object' ? block.read : undefined
  const writeBlock = typeof block === 'string' ? block : block?.write
  const m: Certificate = { c }
  if (expiry !== undefined && Number.isFinite(expiry) && expiry !== 0) m.e = expiry
  if (read !== undefined) m.r = read
  if (write !== undefined) m.w = write
  if (readBlock !== undefined) m.rb = readBlock
  if (writeBlock !== undefined) m.wb = writeBlock
  const signed = (await sign(JSON.stringify(m), authority, { raw: true })) as Signed
  return options.raw ? signed : `SEA${JSON.stringify(signed)}`
}
