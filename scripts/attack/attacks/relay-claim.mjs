// Finding 11: any inbound client answering the `?` greeting with "relay": true
// became a relay peer: it received other clients' GETs (souls and ids), their
// not-found answers waited 2 s for it, and its invalid reply reached them raw.
// Fixed: an inbound connection is a client unless it is a configured relay or
// proves the cluster secret (--peer-secret); a claim alone changes nothing.
// Held: the claimant gets none of the victim's GETs, nothing it sends reaches
// the victim, and no answer waits on it (the old wait was 2 s; 1 s is allowed).
import { randomId } from '../lib/wire.mjs'

const VICTIM_GETS = 5
const ANSWERED = 3
const WAIT_MS = 1000

export default {
  id: 'relay-claim',
  finding: '11',
  title: 'Client claiming relay:true',
  what: "a client answers the greeting with relay:true, replies {x:'not a node'} to the first 3 GETs it gets and ignores the rest; a victim reads 5 missing souls",
  budgetMs: 30_000,
  boundBytes: 0,
  boundText: 'none (no growth expected)',
  async run(ctx) {
    const evil = await ctx.connect({ greeting: { pid: `evil${randomId(4)}`, relay: true } })
    const stolen = []
    evil.listen((msg) => {
      const soul = msg?.get?.['#']
      if (typeof soul !== 'string' || !soul.startsWith('victim11/')) return
      stolen.push(soul)
      // Answer the first reads with garbage, stay silent on the others (the victim then waits on us).
      if (stolen.length <= ANSWERED) evil.send({ '#': randomId(), '@': msg['#'], put: { x: 'not a node' } })
    })
    // Let the handshake land before the victim reads.
    await ctx.sleep(300)
    const victim = await ctx.connect()
    const times = []
    let raw = 0
    for (let i = 0; i < VICTIM_GETS; i++) {
      const id = randomId()
      const start = Date.now()
      const seen = []
      const stop = victim.listen((m) => m !== undefined && m['@'] === id && seen.push(m))
      const answer = victim.waitFor((m) => m['@'] === id, 5000)
      victim.send({ '#': id, get: { '#': `victim11/secret${i}` } })
      await answer
      times.push(Date.now() - start)
      await ctx.sleep(100) // a late second reply (the attacker's) would land here
      stop()
      if (seen.some((m) => m.put !== undefined && m.put !== null && Object.hasOwn(m.put, 'x'))) raw++
    }
    const held = stolen.length === 0 && raw === 0 && times.every((t) => t < WAIT_MS)
    return {
      promise: {
        held,
        text: `attacker received ${stolen.length}/${VICTIM_GETS} of the victim's GETs; its invalid reply reached the victim ${raw} times; victim's answers took ${times.join(', ')} ms (the attacker answered the first ${ANSWERED} GETs it got, then stayed silent)`,
      },
    }
  },
}
