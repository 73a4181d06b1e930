// No attack: the good client and /healthz probe against an idle relay, for the
// same length of time as a short attack. The machine's noise floor: read every
// other row against this one.
export default {
  id: 'baseline',
  finding: '—',
  title: 'Baseline (no attack)',
  what: 'nothing; the good client alone for 5 s',
  budgetMs: 15_000,
  boundBytes: 0,
  boundText: 'none (no growth expected)',
  async run(ctx) {
    await ctx.sleep(5000)
    return {}
  },
}
