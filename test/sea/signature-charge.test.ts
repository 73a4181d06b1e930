import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GraphNode } from '../../src/core/node.js'
import { signatureChecks } from '../../src/core/user-space.js'
import { ecdsa, useEcdsa } from '../../src/sea/ecdsa.js'
import { nodeEcdsa } from '../../src/sea/ecdsa-node.js'
import { createSeaRules } from '../../src/sea/enforce.js'
import { pair, type Pair, sign } from '../../src/sea/index.js'
import { signKey } from '../../src/sea/keys.js'

// A relay charges a peer's put for the signature checks it costs (put-handler.ts, signatureChecks): a key
// whose value makes SEA's rules check more than one signature (a state before 2020 adds the pre-2020
// digests, a certificate is checked per key) must be charged for each, or junk signatures buy a peer
// several checks for the price of one.

let checks = 0
const before = ecdsa()
let owner: Pair
let writer: Pair

beforeAll(async () => {
  useEcdsa({
    ...nodeEcdsa,
    verify: (key, signature, digest) => {
      // A signature of any other length is refused without the curve arithmetic.
      if (signature.length === 64) checks++
      return nodeEcdsa.verify(key, signature, digest)
    },
  })
  ;[owner, writer] = await Promise.all([pair(), pair()])
})

afterAll(() => useEcdsa(before))

const junk = Buffer.alloc(64, 7).toString('base64')

/** `by`'s signature over "[object Object]", the text a pre-2020 check takes for any message. */
async function preTwentyTwenty(by: Pair): Promise<string> {
  const signature = nodeEcdsa.sign(await signKey(by), nodeEcdsa.sha256('[object Object]')) as Uint8Array
  return Buffer.from(signature).toString('base64')
}

/** The checks SEA's rules make for a peer's put of `value` at soul.key, refused or not. */
async function checksMade(soul: string, key: string, value: string, state: number): Promise<number> {
  const node = new GraphNode(soul, [key], [value], [state])
  checks = 0
  await Promise.resolve(createSeaRules()([node], { kind: 'peer', peer: {} })).catch(() => {})
  return checks
}

describe('signatureChecks: what a put from a peer is charged', () => {
  it('counts every signature check SEA makes for a key, whatever its value and state', async () => {
    const soul = `~${owner.pub}`
    const recent = Date.UTC(2024, 0, 1)
    const old = Date.UTC(2019, 5, 1)
    const signedByWriter = async (state: number) => ((await sign({ '#': soul, '.': 'k', ':': 1, '>': state }, writer, { raw: true })) as { s: string }).s
    const cases: [string, string, number][] = [
      ['a junk signature', JSON.stringify({ ':': 1, '~': junk }), recent],
      ['a junk signature at a state before 2020', JSON.stringify({ ':': 1, '~': junk }), old],
      ['a value stored as before 2020 (SEA{…})', `SEA${JSON.stringify({ m: 1, s: junk })}`, recent],
      [
        "a writer's good signature and a junk certificate",
        JSON.stringify({ ':': 1, '~': await signedByWriter(recent), '*': writer.pub, '+': { m: { c: writer.pub, w: '*' }, s: junk } }),
        recent,
      ],
      [
        // Before 2020 the message's text as parsed was signed: "[object Object]" for any message.
        "a writer's signature in the pre-2020 format and a junk certificate",
        JSON.stringify({ ':': 1, '~': await preTwentyTwenty(writer), '*': writer.pub, '+': { m: { c: writer.pub, w: '*' }, s: junk } }),
        old,
      ],
      [
        // JSON may spell the key `+` with an escape.
        'a junk certificate under an escaped key',
        `{":":1,"~":${JSON.stringify(await signedByWriter(recent))},"*":${JSON.stringify(writer.pub)},"\\u002b":${JSON.stringify({ m: { c: writer.pub, w: '*' }, s: junk })}}`,
        recent,
      ],
      [
        "a writer's good signature and a junk certificate, before 2020",
        JSON.stringify({ ':': 1, '~': await signedByWriter(old), '*': writer.pub, '+': { m: { c: writer.pub, w: '*' }, s: junk } }),
        old,
      ],
    ]
    const short: string[] = []
    for (const [what, value, state] of cases) {
      const node = new GraphNode(soul, ['k'], [value], [state])
      const made = await checksMade(soul, 'k', value, state)
      if (signatureChecks([node]) < made) short.push(`${what}: ${made} checks, charged ${signatureChecks([node])}`)
    }
    expect(short).toEqual([])
  })
})

describe('a put refused at a key after checks of the keys before it were started', () => {
  it('is refused once those checks are done, with the first refused key', async () => {
    const soul = `~${owner.pub}`
    // k0's junk signature is checked on a verify thread; k1 carries no signature at all: refused on the spot.
    const node = new GraphNode(soul, ['k0', 'k1'], [JSON.stringify({ ':': 1, '~': junk }), 1], [Date.now(), Date.now()])
    checks = 0
    let refusal: unknown
    try {
      await createSeaRules()([node], { kind: 'peer', peer: {} })
    } catch (error) {
      refusal = error
    }
    // Before: k1's refusal was thrown at once, k0's check ran on unawaited (a relay counted it done; its
    // refusal was an unhandled rejection, which ends a Node process).
    expect(checks).toBe(1)
    expect(refusal).toMatchObject({ message: 'Unverified data.', path: `${soul}.k0` })
  })
})
