// Finding 1: a put stamped ahead of the relay's clock (a client whose clock runs
// 30 s fast) was acknowledged at once but held only in memory: gone after a
// SIGTERM or SIGKILL and a restart. Fixed: a state within the horizon
// (--max-future) is journaled before it is acknowledged and applied once due,
// across restarts; a state past the horizon is refused with an error (an error
// is not an ack, so that keeps the promise too).
//
// Here: a batch 30 s ahead → SIGTERM + restart; another → SIGKILL + restart;
// a control batch with no restart; and a batch past the horizon (a state 25 h
// ahead, the horizon being 24 h) that must be refused. Every acked key must be
// present once due; no key past the horizon may be acked, or ever show up.

const SKEW_MS = 30_000
const PER_BATCH = 25
const HORIZON = '24h'
const BEYOND_MS = 25 * 3_600_000

async function writeBatch(client, soul, skewMs) {
  const base = Date.now() + skewMs
  const results = await Promise.all(Array.from({ length: PER_BATCH }, (_, i) => client.put(soul, { [`k${i}`]: i }, base + i, 10_000)))
  const acked = []
  let firstErr
  results.forEach((r, i) => {
    if (r.ok === true) acked.push(i)
    else if (r.err !== undefined) firstErr ??= r.err
  })
  const refused = results.filter((r) => r.err !== undefined).length
  return { acked, refused, unanswered: PER_BATCH - acked.length - refused, firstErr, due: base + PER_BATCH }
}

async function readBack(client, soul, indexes) {
  let present = 0
  for (const i of indexes) {
    const r = await client.getKey(soul, `k${i}`, 5000)
    if (r.found === true && r.value === i) present++
  }
  return present
}

const all = Array.from({ length: PER_BATCH }, (_, i) => i)

export default {
  id: 'far-future-restart',
  finding: '1',
  title: 'Far-future puts, then stop and restart',
  what: `${PER_BATCH} one-key puts stamped 30 s ahead, acked → SIGTERM + restart; ${PER_BATCH} more → SIGKILL + restart; read all back once due (plus a control batch with no restart); ${PER_BATCH} puts stamped 25 h ahead, past the horizon, must be refused`,
  budgetMs: 80_000,
  boundBytes: 0,
  boundText: `none (no growth expected); horizon --max-future ${HORIZON}`,
  flags(want) {
    want('max-future', HORIZON)
  },
  async run(ctx) {
    const before = await ctx.connect()
    const beyond = await writeBatch(before, 'ff1/beyond', BEYOND_MS)
    const term = await writeBatch(before, 'ff1/sigterm', SKEW_MS)
    before.close()
    const termExit = await ctx.restart('SIGTERM')
    const afterTerm = await ctx.connect()
    const kill = await writeBatch(afterTerm, 'ff1/sigkill', SKEW_MS)
    afterTerm.close()
    await ctx.restart('SIGKILL')
    // Control: a batch the relay still holds when it falls due, so a failed read-back cannot pass for a loss.
    const controlWriter = await ctx.connect()
    const control = await writeBatch(controlWriter, 'ff1/control', SKEW_MS)
    const batch = (name, b) => `${name} ${b.acked.length} acked / ${b.refused} refused / ${b.unanswered} unanswered`
    ctx.note(
      `SIGTERM exit: ${termExit.signal ?? `code ${termExit.code}`}; ${batch('SIGTERM batch', term)}; ${batch('SIGKILL batch', kill)}; ${batch('control batch', control)}`,
    )
    ctx.note(
      `past the horizon (25 h ahead, --max-future ${HORIZON}): ${batch('', beyond).trim()}${beyond.firstErr ? `; error: "${beyond.firstErr.slice(0, 120)}"` : ''}`,
    )
    for (const [name, b] of [
      ['SIGTERM', term],
      ['SIGKILL', kill],
      ['control', control],
    ]) {
      if (b.acked.length < PER_BATCH)
        ctx.note(
          `${name} batch: ${PER_BATCH - b.acked.length} not acked${b.firstErr ? ` (first error: "${b.firstErr.slice(0, 120)}")` : ''}: not lost (no ack was given), but the fixed relay should ack every put within the horizon`,
        )
    }
    // All batches fall due 30 s after they were sent; read them a moment later.
    await ctx.sleep(Math.max(term.due, kill.due, control.due) - Date.now() + 1500)
    const reader = controlWriter
    const termPresent = await readBack(reader, 'ff1/sigterm', term.acked)
    const killPresent = await readBack(reader, 'ff1/sigkill', kill.acked)
    const controlPresent = await readBack(reader, 'ff1/control', control.acked)
    const beyondVisible = await readBack(reader, 'ff1/beyond', all)
    ctx.note('RSS after is that of the restarted process; put-ack figures include the first puts to each freshly started relay')
    ctx.note(
      `control batch (no restart after it): ${controlPresent}/${control.acked.length} present once due; keys past the horizon visible: ${beyondVisible}/${PER_BATCH}`,
    )
    const lost = term.acked.length - termPresent + (kill.acked.length - killPresent) + (control.acked.length - controlPresent)
    const acked = term.acked.length + kill.acked.length + control.acked.length
    // Within the horizon the fixed relay journals and acks every put: one not acked is a failure too (of the fix, not of durability).
    const held = lost === 0 && acked === 3 * PER_BATCH && beyond.acked.length === 0 && beyondVisible === 0
    return {
      promise: {
        held,
        text: `${acked < 3 * PER_BATCH ? `only ${acked}/${3 * PER_BATCH} puts within the horizon acked; ` : ''}acked far-future writes present once due: after SIGTERM ${termPresent}/${term.acked.length}, after SIGKILL ${killPresent}/${kill.acked.length}, control ${controlPresent}/${control.acked.length}; past the horizon: ${beyond.refused}/${PER_BATCH} refused with an error, ${beyond.acked.length} acked`,
      },
    }
  },
}
