// Finding 16: a message id over 128 chars made the relay drop the put silently.
// The relay must answer it (an error, or an ack), never stay silent.
import { putMessage } from '../lib/wire.mjs'

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
    const said = answer === undefined ? 'no answer in 3 s' : answer.err !== undefined ? `error "${String(answer.err).slice(0, 80)}"` : answer.ok !== undefined ? 'ack ok' : JSON.stringify(answer).slice(0, 80)
    return { promise: { held: answer !== undefined, text: `${said}; put stored: ${stored.found === true ? 'yes' : 'no'}` } }
  },
}
