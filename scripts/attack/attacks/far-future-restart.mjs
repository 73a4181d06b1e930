// Finding 1: a put stamped ahead of the relay's clock (a client whose clock runs
// 30 s fast) is acknowledged at once. Is it still there after the relay is
// stopped (SIGTERM, then SIGKILL) and restarted, once it falls due?

const SKEW_MS = 30_000
const PER_BATCH = 25

async function writeBatch(client, soul, skewMs) {
  const base = Date.now() + skewMs
  const results = await Promise.all(Array.from({ length: PER_BATCH }, (_, i) => client.put(soul, { [`k${i}`]: i }, base + i, 10_000)))
  const acked = []
  results.forEach((r, i) => r.ok === true && acked.push(i))
  return { acked, refused: results.filter((r) => r.err !== undefined).length, due: base + PER_BATCH }
}

async function readBack(client, soul, acked) {
  let present = 0
  for (const i of acked) {
    const r = await client.getKey(soul, `k${i}`, 5000)
    if (r.found === true && r.value === i) present++
  }
  return present
}

export default {
  id: 'far-future-restart',
  finding: '1',
  title: 'Far-future puts, then stop and restart',
  what: `${PER_BATCH} one-key puts stamped 30 s ahead, acked → SIGTERM + restart; ${PER_BATCH} more → SIGKILL + restart; read all back once due (plus a control batch with no restart)`,
  budgetMs: 75_000,
  boundBytes: 0,
  boundText: 'none (no growth expected)',
  async run(ctx) {
    const before = await ctx.connect()
    const term = await writeBatch(before, 'ff1/sigterm', SKEW_MS)
    before.close()
    const termExit = await ctx.restart('SIGTERM')
    const afterTerm = await ctx.connect()
    const kill = await writeBatch(afterTerm, 'ff1/sigkill', SKEW_MS)
    afterTerm.close()
    await ctx.restart('SIGKILL')
    // Control: a batch the relay still holds in memory when it falls due, so a failed read-back cannot pass for a loss.
    const controlWriter = await ctx.connect()
    const control = await writeBatch(controlWriter, 'ff1/control', SKEW_MS)
    ctx.note(`SIGTERM exit: ${termExit.signal ?? `code ${termExit.code}`}; acked/refused: SIGTERM batch ${term.acked.length}/${term.refused}, SIGKILL batch ${kill.acked.length}/${kill.refused}`)
    // Both batches fall due 30 s after they were sent; read them a moment later.
    await ctx.sleep(Math.max(term.due, kill.due, control.due) - Date.now() + 1500)
    const reader = controlWriter
    const termPresent = await readBack(reader, 'ff1/sigterm', term.acked)
    const killPresent = await readBack(reader, 'ff1/sigkill', kill.acked)
    const controlPresent = await readBack(reader, 'ff1/control', control.acked)
    ctx.note('RSS after is that of the restarted process; put-ack figures include the first puts to each freshly started relay')
    ctx.note(`control batch (no restart after it): ${controlPresent}/${control.acked.length} present once due`)
    const lost = term.acked.length - termPresent + (kill.acked.length - killPresent)
    return {
      promise: {
        held: lost === 0,
        text: `acked far-future writes present once due: after SIGTERM ${termPresent}/${term.acked.length}, after SIGKILL ${killPresent}/${kill.acked.length}`,
      },
    }
  },
}

