/**
 * Gun's `##`: a Java-style 32-bit string hash of `JSON.stringify(put)` with
 * object keys sorted at every level. The text must match stock Gun's byte for
 * byte, including two JavaScript quirks Gun inherits by building the sorted
 * copy as a plain object:
 *  - integer-like keys ("0", "9", "10") enumerate first, in numeric order,
 *    then the others in code-unit order;
 *  - a `__proto__` member is lost (assigning it sets a prototype instead).
 */
export function stringHash(text: string, seed = 0): number {
  let h = seed
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0
  return h
}

/** `##` of a `put` graph (or any JSON value). */
export function graphHash(put: unknown): number {
  return stringHash(sortedJson(put) ?? '')
}

/** JSON text with object keys in the order Gun's sorted copy enumerates them. Undefined for unserialisable input, like JSON.stringify. */
export function sortedJson(value: unknown): string | undefined {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object':
      break
    default:
      return undefined
  }
  // Gun's replacer turns arrays into objects too (Object.keys of an array), so they are sorted objects here.
  const source = value as Record<string, unknown>
  const keys = orderKeys(Object.keys(source))
  let out = '{'
  let first = true
  for (const key of keys) {
    const text = sortedJson(source[key])
    if (text === undefined) continue
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + text
    first = false
  }
  return out + '}'
}

const MAX_ARRAY_INDEX = 4294967294

/** True for keys a plain object enumerates first, in numeric order (JSON.stringify follows that order). */
export function isArrayIndex(key: string): boolean {
  if (key === '0') return true
  if (key === '') return false
  const c = key.charCodeAt(0)
  if (c < 49 || c > 57 || key.length > 10) return false
  for (let i = 1; i < key.length; i++) {
    const d = key.charCodeAt(i)
    if (d < 48 || d > 57) return false
  }
  return Number(key) <= MAX_ARRAY_INDEX
}

function orderKeys(keys: string[]): string[] {
  const indices: string[] = []
  const names: string[] = []
  for (const key of keys) {
    if (key === '__proto__') continue
    if (isArrayIndex(key)) indices.push(key)
    else names.push(key)
  }
  names.sort()
  if (indices.length === 0) return names
  indices.sort((a, b) => Number(a) - Number(b))
  return indices.concat(names)
}
