// Finding 16: a message id over 128 chars made the relay drop the put silently.
// Fixed: the message is still dropped (its id can be neither deduplicated nor
// routed safely), but the sender hears why: a `dam:'!'` notice naming the limit
// and the id's first characters (no `@`: the id is not echoed whole). Held: an
// error answer that names the limit (an ack would do too: the point is that the
// relay does not stay silent); the put is not stored, as the notice says.
import { putMessage } from '../lib/wire.mjs'

const MAX_ID_CHARS = 128

export default {
  id: 'long-id',
  finding: '16',
  title: 'Message id over 128 chars',
  what: 'a one-key put whose `#` is 200 chars; is it answered?',
  budgetMs: 15_000,
  boundBytes: 0,
  boundText: 'none (no growth expected)',
  async run(ctx) {
    const c = await ctx.connect()
    const longId = `L${'x'.repeat(199)}`
    const reply = c.waitFor((m) => m['@'] === longId || m.dam === '!' || (typeof m['@'] === 'string' && m['@'].length > 100), 3000)
    c.send(putMessage(longId, 'id16', { a: 1 }, Date.now()))
    const answer = await reply
    const stored = await c.getKey('id16', 'a')
    const err = answer?.err === undefined ? undefined : String(answer.err)
    const kind = answer?.dam === '!' ? "dam:'!' notice" : 'reply'
    const said =
      answer === undefined
        ? 'no answer in 3 s'
        : err !== undefined
          ? `${kind}, error "${err.slice(0, 140)}"`
          : answer.ok !== undefined
            ? 'ack ok'
            : JSON.stringify(answer).slice(0, 80)
    const namesLimit = err?.includes(String(MAX_ID_CHARS))
    const acked = answer?.ok !== undefined && answer['@'] === longId
    const held = namesLimit ? stored.found !== true : acked && stored.found === true
    return { promise: { held, text: `${said}; put stored: ${stored.found === true ? 'yes' : 'no'}` } }
  },
}
