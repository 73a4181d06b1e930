// Summary figures over samples. Percentiles use the nearest-rank method, so
// every figure printed is a value that was observed.

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

export function median(samples) {
  return percentile(samples, 50)
}

export const MB = 1024 * 1024

export function formatMb(bytes) {
  if (!Number.isFinite(bytes)) return '—'
  return `${Math.round(bytes / MB)} MB`
}

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—'
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 100) return `${Math.round(ms)} ms`
  return `${ms.toFixed(1)} ms`
}
