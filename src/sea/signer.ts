import { TrellisError } from '../core/errors.js'
import { GraphNode } from '../core/node.js'
import type { Value } from '../core/types.js'
import { parseEnvelope, soulOwner } from '../core/user-space.js'
import type { WriteHook, WriteOptions } from '../core/chain/root.js'
import { parseSea } from './encoding.js'
import { type Pair, signKey, signKeyNow } from './keys.js'
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
    const pair = session()
    if (pair === undefined) return signNodes(nodes, undefined, undefined, options)
    // Synchronous once the key is imported and the signatures are made on the spot (Node's): the root then
    // applies the write at once, as an unsigned one (root.ts).
    const key = signKeyNow(pair)
    if (key !== undefined) return signNodes(nodes, pair, key, options)
    return signKey(pair).then((imported) => signNodes(nodes, pair, imported, options))
  }
}

function signNodes(
  nodes: GraphNode[],
  pair: Pair | undefined,
  key: CryptoKey | undefined,
  options: WriteOptions | undefined,
): GraphNode[] | Promise<GraphNode[]> {
  const cert = options?.cert === undefined ? undefined : parseSea(options.cert)
  // Signatures still to come (WebCrypto's are asynchronous; Node's are made on the spot): all in flight at once.
  const pending: Promise<void>[] = []
  const out: GraphNode[] = []
  for (const node of nodes) {
    const soul = node.soul
    if (soul === '~' || soul.startsWith('~/')) throw new TrellisError('UNVERIFIED', 'User is not logged in.', soul)
    const owner = soulOwner(soul)
    const extra = owner === undefined || pair === undefined || owner === pair.pub ? undefined : cert
    if (owner === undefined || pair === undefined || key === undefined || (owner !== pair.pub && extra === undefined)) {
      out.push(node)
      continue
    }
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
  return pending.length > 0 ? Promise.all(pending).then(() => out) : out
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
