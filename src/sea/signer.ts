import { TrellisError } from '../core/errors.js'
import { GraphNode } from '../core/node.js'
import type { Value } from '../core/types.js'
import { parseEnvelope, soulOwner } from '../core/user-space.js'
import type { WriteHook, WriteOptions } from '../core/chain/root.js'
import { parseSea } from './encoding.js'
import type { Pair } from './keys.js'
import { type Signed, sign } from './sign.js'

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
  return Promise.all(
    nodes.map(async (node) => {
      const soul = node.soul
      if (soul === '~' || soul.startsWith('~/')) throw new TrellisError('UNVERIFIED', 'User is not logged in.', soul)
      const owner = soulOwner(soul)
      if (owner === undefined || pair === undefined) return node
      const extra = owner === pair.pub ? undefined : cert
      if (owner !== pair.pub && extra === undefined) return node
      const values = await Promise.all(
        node.keys.map(async (key, i) => {
          const value = node.values[i]
          if ((key === 'pub' && soul === `~${owner}` && value === owner) || parseEnvelope(value) !== undefined) return value
          const { s } = (await sign({ '#': soul, '.': key, ':': value, '>': node.states[i] }, pair, { raw: true })) as Signed
          const envelope: Record<string, unknown> = { ':': value, '~': s }
          if (extra !== undefined) {
            envelope['+'] = extra
            envelope['*'] = pair.pub
          }
          return JSON.stringify(envelope) as Value
        }),
      )
      const signed = new GraphNode(soul, node.keys.slice(), values, node.states.slice())
      if (extra === undefined) selfSigned.add(signed)
      return signed
    }),
  )
}
