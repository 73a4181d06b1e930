import type { Origin, VerifyHook } from '../core/engine-types.js'
import { TrellisError } from '../core/errors.js'
import { GraphNode } from '../core/node.js'
import type { Value } from '../core/types.js'
import { LEGACY_BEFORE, parseEnvelope, plainValue, soulOwner } from '../core/user-space.js'
import { seaText, toBase64 } from './encoding.js'
import { allowingRule } from './policy.js'
import { sha256, verify } from './sign.js'
import { selfSigned } from './signer.js'

/**
 * SEA's rules for who may write what, run by every Trellis peer on every
 * put before HAM (docs/sea.md, "Enforcement"). Stock Gun's rules and error
 * texts, per key:
 *
 * - `~@` (the list of aliases): `alias` → a link to `~@alias`;
 * - `~@alias`: `~pub` → a link to `~pub`;
 * - user space (a soul with `~pub` in it): `pub` on `~pub` is the pub;
 *   every other value is signed, `{":": value, "~": signature}` over
 *   `{"#": soul, ".": key, ":": value, ">": state}`, by the owner, or by a
 *   writer (`*`) holding the owner's certificate (`+`);
 * - a soul with `#` (content addressing): the key ends with the hash of the value;
 * - a soul with `<?N`: keys older than N seconds are dropped;
 * - anything else is open, unless `secure`.
 *
 * Deliberately stricter than stock: a value naming a writer (`*`) without a
 * certificate is refused (stock checks it against that writer's own key and
 * stores it, so anyone could write into anyone's space); certificates stock
 * ignores silently (a list of certificants, a certificate its owner did not
 * sign) are refused with an error; a put is refused whole at its first
 * refused key, as every Trellis put is all or nothing.
 */
export interface SeaRulesOptions {
  /** Non-user souls are read-only for unsigned writers (stock's `opt.secure`). */
  secure?: boolean
  /** The clock for `<?` souls (ms). */
  now?: () => number
  /** Read one key (for certificate block lists). */
  readKey?: (soul: string, key: string) => Promise<Value | undefined>
}

/** A pre-2020 message signed over the value alone is not bound to its place: stock takes it only before 2019. */
const LEGACY_UNBOUND_BEFORE = Date.UTC(2019, 0, 1)

const refuse = (text: string, path: string) => new TrellisError('UNVERIFIED', text, path)

function linkOf(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const soul = (value as { '#'?: unknown })['#']
  return typeof soul === 'string' ? soul : undefined
}

export function createSeaRules(options: SeaRulesOptions = {}): VerifyHook {
  const now = options.now ?? Date.now
  const secure = options.secure === true

  /** `source`: the peer the put came from, whose checks a relay's verify threads take in turn with other peers'. */
  const checkUserKey = (soul: string, owner: string, key: string, value: Value, state: number, source: object | undefined, pending: Promise<void>[]) => {
    const path = `${soul}.${key}`
    if (key === 'pub' && soul === `~${owner}`) {
      if (value !== owner) throw refuse('Account not same!', path)
      return
    }
    if (typeof value === 'string' && value.startsWith('SEA{')) {
      pending.push(checkLegacy(soul, owner, key, value, state, path, source))
      return
    }
    const signed = parseEnvelope(value)
    if (signed === undefined) throw refuse('Unverified data.', path)
    const writer = signed['*']
    const certificate = signed['+']
    if (writer !== undefined && (typeof writer !== 'string' || certificate === undefined)) throw refuse('Unverified data.', path)
    const message = { m: { '#': soul, '.': key, ':': signed[':'], '>': state }, s: signed['~'] }
    const legacy = state < LEGACY_BEFORE
    pending.push(
      verify(message, (writer as string | undefined) ?? owner, { legacy, source }).then((data) => {
        if (data === undefined) throw refuse('Unverified data.', path)
        if (writer !== undefined) return checkCertificate(soul, owner, key, state, writer as string, certificate, path, source)
      }),
    )
  }

  /**
   * A value as SEA wrote it before 2020: a whole `SEA{"m":…,"s":…}` message, signed over the value
   * alone (stock accepts it for states before 2019) or over `[soul, key, value, state]` (the "[]"
   * format, bound to its place). Old accounts stored that way still sync and log in.
   */
  const checkLegacy = async (soul: string, owner: string, key: string, value: string, state: number, path: string, source: object | undefined) => {
    const data = await verify(value, owner, { source })
    if (data === undefined) throw refuse('Unverified data.', path)
    if (Array.isArray(data) && data.length === 4) {
      if (data[0] === soul && data[1] === key && Math.floor(Number(data[3])) === Math.floor(state)) return
      throw refuse('Unverified data.', path)
    }
    if (state >= LEGACY_UNBOUND_BEFORE) throw refuse('Unverified data.', path)
  }

  const checkCertificate = async (
    soul: string,
    owner: string,
    key: string,
    state: number,
    writer: string,
    certificate: unknown,
    path: string,
    source: object | undefined,
  ) => {
    const cert = (await verify(certificate, owner, { source })) as Record<string, unknown> | undefined
    if (cert === undefined || cert === null || typeof cert !== 'object') throw refuse('Certificate verification fail.', path)
    if (cert.e !== undefined && state > Number.parseFloat(String(cert.e))) throw refuse('Certificate expired.', path)
    const c = cert.c
    const named = c === writer || c === '*' || (Array.isArray(c) && (c.includes('*') || c.includes(writer)))
    if (!named || !cert.w) throw refuse('Certificate verification fail.', path)
    const slash = soul.indexOf('/')
    const where = slash === -1 ? '' : soul.slice(slash + 1)
    const rule = allowingRule(cert.w, where, key)
    if (rule === undefined) throw refuse('Certificate verification fail.', path)
    const plus = typeof rule === 'object' ? rule['+'] : undefined
    if ((typeof plus === 'string' || Array.isArray(plus)) && plus.includes('*') && where !== '' && !where.includes(writer) && !key.includes(writer)) {
      throw refuse(`Path "${where}" or key "${key}" must contain string "${writer}".`, path)
    }
    if (cert.wb !== undefined && options.readKey !== undefined && (await blocked(owner, cert.wb, writer))) {
      throw refuse(`Certificant ${writer} blocked.`, path)
    }
  }

  /** Stock's block list: `~owner` → `wb` → `<writer>` is 1 or true (or the node `wb` names, when it is a soul). */
  const blocked = async (owner: string, list: unknown, writer: string): Promise<boolean> => {
    const readKey = options.readKey as NonNullable<SeaRulesOptions['readKey']>
    // Stored user-space values are signed envelopes; the list is read as its owner wrote it.
    const read = async (soul: string, key: string) => plainValue(soul, await readKey(soul, key))
    let soul = linkOf(list)
    if (soul === undefined && typeof list === 'string') soul = list.startsWith('~') ? list : linkOf(await read(`~${owner}`, list))
    if (soul === undefined) return false
    const value = await read(soul, writer)
    return value === 1 || value === true
  }

  const checkHash = (soul: string, key: string, value: Value) => {
    const claimed = key.slice(key.lastIndexOf('#') + 1)
    const hash = toBase64(sha256(seaText(value)))
    if (hash !== claimed && hash !== hexToBase64(claimed)) throw refuse('Data hash not same as hash!', `${soul}.${key}`)
  }

  return function enforceSea(nodes: GraphNode[], origin: Origin): GraphNode[] | Promise<GraphNode[]> {
    const source = origin.kind === 'peer' && typeof origin.peer === 'object' && origin.peer !== null ? origin.peer : undefined
    let pending: Promise<void>[] | undefined
    let out = nodes
    try {
      for (let n = 0; n < nodes.length; n++) {
        let node = nodes[n]
        const soul = node.soul
        // The common case: a soul with nothing SEA looks at costs three scans of its name.
        if (soul.indexOf('~') === -1 && soul.indexOf('#') === -1 && soul.indexOf('<?') === -1) {
          if (secure && node.size > 0) throw refuse(`Soul missing public key at '${node.keys[0]}'.`, `${soul}.${node.keys[0]}`)
          continue
        }
        const forget = soul.indexOf('<?')
        if (forget !== -1) {
          const seconds = Number.parseFloat(soul.slice(forget + 2).split('<?')[0])
          if (seconds) {
            const kept = without(node, (i) => node.states[i] < now() - seconds * 1000)
            if (kept !== node) {
              if (out === nodes) out = nodes.slice()
              out[n] = node = kept
            }
          }
        }
        const owner = soul === '~@' || soul.startsWith('~@') ? undefined : soulOwner(soul)
        for (let i = 0; i < node.keys.length; i++) {
          const key = node.keys[i]
          const value = node.values[i]
          if (soul === '~@') {
            if (!value) throw refuse('Data must exist!', `${soul}.${key}`)
            if (linkOf(value) !== `~@${key}`) throw refuse('Alias not same!', `${soul}.${key}`)
          } else if (soul.startsWith('~@')) {
            if (!value) throw refuse('Alias must exist!', `${soul}.${key}`)
            if (linkOf(value) !== key) throw refuse('Alias not same!', `${soul}.${key}`)
          } else if (owner !== undefined) {
            if (origin.kind === 'local' && selfSigned.has(node)) break
            checkUserKey(soul, owner, key, value, node.states[i], source, (pending ??= []))
          } else if (soul.indexOf('#') !== -1) {
            checkHash(soul, key, value)
          } else if (secure) {
            throw refuse(`Soul missing public key at '${key}'.`, `${soul}.${key}`)
          }
        }
      }
    } catch (error) {
      // A key refused on the spot after the checks of keys before it were started: they still run, so the put
      // is answered once they are done (and their refusals are handled: an unhandled one ends the process).
      if (pending === undefined || pending.length === 0) throw error
      pending.push(Promise.reject(error))
    }
    if (pending === undefined) return out
    const result = out
    // Every check finished before the answer, even a refusal: a relay counts a peer's checks as waiting until
    // then (put-handler.ts), and the refusal named is the first key's in the put, not the first to finish.
    return Promise.allSettled(pending).then((checks) => {
      for (const check of checks) if (check.status === 'rejected') throw check.reason
      return result
    })
  }
}

/** The node without the keys `drop` picks; the node itself when it picks none. */
function without(node: GraphNode, drop: (i: number) => boolean): GraphNode {
  let kept: GraphNode | undefined
  for (let i = 0; i < node.keys.length; i++) {
    if (drop(i)) kept ??= new GraphNode(node.soul, node.keys.slice(0, i), node.values.slice(0, i), node.states.slice(0, i))
    else kept?.set(node.keys[i], node.values[i], node.states[i])
  }
  return kept ?? node
}

function hexToBase64(hex: string): string {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return ''
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return toBase64(bytes)
}
