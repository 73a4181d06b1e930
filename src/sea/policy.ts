/**
 * Certificate write policies, matched as stock SEA matches them: against
 * the path (the soul after its first `/`) and the key, with Gun's
 * `String.match` semantics for LEX (`=` exact, `*` prefix, `>`/`<` range).
 */

/** Gun's `String.match(text, lex)`: a string is an exact match; a LEX object as below; anything else, no match. */
function lexMatch(text: string, lex: unknown): boolean {
  if (typeof lex === 'string') return text === lex
  if (lex === null || typeof lex !== 'object') return false
  const o = lex as Record<string, unknown>
  const first = o['='] || o['*'] || o['>'] || o['<']
  if (text === first) return true
  if (o['='] !== undefined) return false
  const prefix = o['*'] || o['>']
  if (typeof prefix === 'string' && text.startsWith(prefix)) return true
  if (o['*'] !== undefined) return false
  const from = o['>']
  const to = o['<']
  if (from !== undefined && to !== undefined) return text >= String(from) && text <= String(to)
  if (from !== undefined) return text >= String(from)
  if (to !== undefined) return text <= String(to)
  return false
}

/** The rule of a write policy that allows writing `key` at `path`, if any. */
export function allowingRule(policy: unknown, path: string, key: string): Record<string, unknown> | string | undefined {
  const rules = Array.isArray(policy) ? policy : policy !== null && (typeof policy === 'object' || typeof policy === 'string') ? [policy] : []
  const full = path === '' ? key : `${path}/${key}`
  for (const rule of rules) {
    if (typeof rule === 'string') {
      if (lexMatch(full, rule)) return rule
      continue
    }
    if (rule === null || typeof rule !== 'object') continue
    const lex = rule as Record<string, unknown>
    const soulRule = lex['#']
    const keyRule = lex['.']
    if (
      (lexMatch(path, soulRule) && lexMatch(key, keyRule)) ||
      (!keyRule && lexMatch(path, soulRule)) ||
      (!soulRule && lexMatch(key, keyRule)) ||
      lexMatch(full, soulRule || lex)
    ) {
      return lex
    }
  }
  return undefined
}
