// How a figure is printed, the same in the terminal and in BENCHMARKS.md.
import { formatNumber } from './runner.js'

function formatValue(v, unit) {
  if (!Number.isFinite(v)) return '—'
  switch (unit) {
    case 'B':
      return v >= 2 ** 20 ? `${(v / 2 ** 20).toFixed(1)} MiB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KiB` : `${v.toFixed(0)} B`
    case 'ms':
      return `${formatNumber(v)} ms`
    case '%':
      return `${v.toFixed(v === 100 ? 0 : 2)} %`
    case 'MB':
      return `${v.toFixed(0)} MiB`
    default:
      return `${formatNumber(v)}${unit}`
  }
}

/** "median (min–max)", or why there is no figure. */
export function formatCell(value, unit, { spread = true } = {}) {
  if (!value) return '—'
  if (value.median === undefined) {
    if (value.status === 'pending') return 'not available'
    if (value.status === 'skipped') return 'skipped'
    return 'FAILED'
  }
  const main = formatValue(value.median, unit)
  const runs = value.n === 1 ? ' (1 run)' : spread && value.min !== value.max ? ` (${formatValue(value.min, unit)}–${formatValue(value.max, unit)})` : ''
  return `${main}${runs}${value.status === 'failed' || value.checkFailed ? ' ⚠' : ''}`
}

export function formatRatio(r) {
  if (r === undefined || !Number.isFinite(r)) return '—'
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 1 ? `${r.toFixed(1)}×` : `${r.toPrecision(2)}×`
}

export function formatTarget(target, better) {
  if (target === undefined) return '—'
  // Targets are round numbers: "≥ 50×" more, or "≤ 1/10" of stock Gun's figure.
  return better === 'higher' ? `≥ ${target}×` : `≤ 1/${Math.round(1 / target)}`
}

export function formatShare(share) {
  return share === undefined || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(0)} %`
}

export const mark = (met) => (met === undefined ? '' : met ? '✓' : '✗')
