/** Gun's `><`: names of peers the sender already sent this message to. Only the first 99 characters count, as in Gun. */
export function parseHints(value: unknown): Set<string> | undefined {
  if (typeof value !== 'string' || value === '') return undefined
  return new Set(value.slice(0, 99).split(','))
}

/** Up to 7 names, comma-joined; only worth sending when there are two or more. */
export function formatHints(names: readonly string[]): string | undefined {
  return names.length > 1 ? names.slice(0, 7).join(',') : undefined
}
