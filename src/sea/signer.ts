import { TrellisError } from '../core/errors.js'
import { GraphNode } from '../core/node.js'
import type { Value } from '../core/types.js'
import { parseEnvelope, soulOwner } from '../core/user-space.js'
import type { WriteHook, WriteOptions } from '../core/chain/root.js'
import { parseSea } from './encoding.js'
import { type Pair, signKey } from './keys.js'
import { signatureOf } from './sign.js'

/**
 * Signs a logged-in user's writes before they leave (Gun signs them in the
 * same place): every value written into the user's own space becomes
 * `{":": value, "~": signature}` over soul, key, value and state; with a
 * certificate (`put(data, cb, { opt: { cert } })`) a write into another
 * user's space also carries the certificate (`+`) and the writer (`*`).
 * The account's own `pub` stays as it is, as stock writes it.
 */
/**
 * Nodes this process signed just now, into their signer's own space: the instance's own SEA rules
 * need not verify them again (a WebCrypto round trip per write, in the ordered apply step, held a
 * signed writer to ~1 200 writes/s). Certified writes are not in it: their certificate is checked.
 */
export const selfSigned = new WeakSet<GraphNode>()

export function createSigner(session: () => Pair | undefined): WriteHook {
  return (nodes, options) => {
    let touches = false
    for (const node of nodes) if (node.soul.indexOf('~') !== -1) touches = true
    if (!touches) return nodes
    return signNodes(nodes, session(), options)
  }
}

async function signNodes(nodes: GraphNode[], pair: Pair | undefined, options: WriteOptions | undefined): Promise<GraphNode[]> {
  const cert = options?.cert === undefined ? undefined : parseSea(options.cert)
  let key: CryptoKey | undefined
  // Signatures still to come (WebCrypto's are asynchronous; Node's are made on the spot): all in flight at once.
  const pending: Promise<void>[] = []
  const out: GraphNode[] = []
  for (const node of nodes) {
    const soul = node.soul
    if (soul === '~' || soul.startsWith('~/')) throw new TrellisError('UNVERIFIED', 'User is not logged in.', soul)
    const owner = soulOwner(soul)
    const extra = owner === undefined || pair === undefined || owner === pair.pub ? undefined : cert
    if (owner === undefined || pair === undefined || (owner !== pair.pub && extra === undefined)) {
      out.push(node)
      continue
    }
    key ??= await signKey(pair)
    const values = node.values.slice()
    for (let i = 0; i < node.keys.length; i++) {
      const name = node.keys[i]
      const value = values[i]
      if ((name === 'pub' && soul === `~${owner}` && value === owner) || parseEnvelope(value) !== undefined) continue
      const signature = signatureOf(key, { '#': soul, '.': name, ':': value, '>': node.states[i] })
      if (typeof signature === 'string') values[i] = envelope(value, signature, extra, pair.pub)
      else pending.push(signature.then((s) => void (values[i] = envelope(value, s, extra, pair.pub))))
    }
    const signed = new GraphNode(soul, node.keys.slice(), values, node.states.slice())
    if (extra === undefined) selfSigned.add(signed)
    out.push(signed)
  }
  if (pending.length > 0) await Promise.all(pending)
  return out
}

/** A user-space value as stored: `{":": value, "~": signature}`, and with a certificate its `+` and the writer `*`. */
function envelope(value: Value, signature: string, certificate: unknown, writer: string): Value {
  const stored: Record<string, unknown> = { ':': value, '~': signature }
  if (certificate !== undefined) {
    stored['+'] = certificate
    stored['*'] = writer
  }
  return JSON.stringify(stored)
}
