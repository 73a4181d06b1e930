/**
 * Whether two reads carry the same values: equal primitives, or nodes with the same own keys and
 * values (links compared by soul). The `_` metadata is left out on purpose: a re-put of the same
 * values moves its states forward, and a row whose values did not change must keep its identity
 * (and its memoized component) anyway.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (!isRecord(a) || !isRecord(b)) return false
  const keysA = Object.keys(a).filter((key) => key !== '_')
  const keysB = Object.keys(b).filter((key) => key !== '_')
  if (keysA.length !== keysB.length) return false
  for (const key of keysA) {
    if (!Object.hasOwn(b, key)) return false
    const x = a[key]
    const y = b[key]
    if (Object.is(x, y)) continue
    // A value in a node is a primitive or a link ({'#': soul}); nothing deeper.
    if (!isRecord(x) || !isRecord(y) || x['#'] === undefined || x['#'] !== y['#']) return false
  }
  return true
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}
