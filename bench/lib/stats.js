// Summary statistics over samples. Percentiles use the nearest-rank method on
// sorted samples, so every reported figure is a value that was observed.

/** @param {number[]} samples */
export function sorted(samples) {
  return [...samples].sort((a, b) => a - b)
}

/** Nearest-rank percentile (p in 0..100) of already sorted samples. */
export function percentile(sortedSamples, p) {
  if (sortedSamples.length === 0) return NaN
  const rank = Math.ceil((p / 100) * sortedSamples.length)
  return sortedSamples[Math.min(sortedSamples.length, Math.max(1, rank)) - 1]
}

/** Median, min and max of the per-run values of one figure. */
export function summarize(values) {
  const s = sorted(values.filter((v) => Number.isFinite(v)))
  if (s.length === 0) return undefined
  const mid = s.length >> 1
  const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
  return { median, min: s[0], max: s[s.length - 1], n: s.length }
}
