// The summary table printed at the end of a run (to stderr with --json).
import { formatCell, formatRatio, formatShare, formatTarget, mark } from './format.js'

export function printTable(rows, failures, pending, notes, write) {
  const header = ['figure', 'Trellis', 'stock Gun', 'T/Gun', 'target', 'ceiling', 'of ceiling']
  const body = rows.map((r) => [
    r.label,
    formatCell(r.values.trellis, r.unit),
    formatCell(r.values.gun, r.unit),
    formatRatio(r.ratio),
    r.ratioTarget === undefined ? '' : `${formatTarget(r.ratioTarget, r.better)} ${mark(r.ratioMet)}`,
    r.ceiling ? `${r.ceiling} ${formatCell(r.values[r.ceiling], r.unit, { spread: false })}` : '',
    r.ceiling ? `${formatShare(r.ceilingShare)}${r.ceilingTarget !== undefined ? ` (≥ ${formatShare(r.ceilingTarget)} ${mark(r.ceilingMet)})` : ''}` : '',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ')
  write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`)
  for (const b of body) write(`${line(b)}\n`)
  if (pending.length) {
    write('\nNot measured:\n')
    for (const p of pending) write(`  ${p.job} / ${p.impl}: ${p.status === 'pending' ? 'not available' : 'skipped'} — ${p.reason}\n`)
  }
  if (notes.length) {
    write('\nNotes:\n')
    for (const n of notes) write(`  ${n.job} / ${n.impl}: ${n.note}\n`)
  }
  if (failures.length) {
    write('\nCorrectness failures:\n')
    for (const f of failures) write(`  ${f.blocking ? 'FAIL' : 'stock Gun'}  ${f.job} / ${f.impl}: ${f.what} — ${f.detail}\n`)
  } else {
    write('\nEvery correctness check passed.\n')
  }
}
