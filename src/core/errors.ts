/** Machine-readable reasons a caller can cause a failure. */
export type ErrorCode =
  | 'INVALID_DATA'
  | 'INVALID_GRAPH'
  | 'INVALID_STATE'
  | 'INVALID_KEY'
  | 'INVALID_SOUL'
  | 'ROOT_NOT_NODE'
  | 'UNVERIFIED'
  | 'STORAGE'
  | 'QUOTA'
  | 'TIMEOUT'
  | 'CLOSED'

/** Every error a caller can cause: a code, and a message naming the offending path or key. */
export class TrellisError extends Error {
  readonly code: ErrorCode
  readonly path: string | undefined

  constructor(code: ErrorCode, message: string, path?: string) {
    super(message)
    this.name = 'TrellisError'
    this.code = code
    this.path = path
  }
}

/** Gun's wording for a value it cannot store: `Invalid data: Array at a.b`. */
export function invalidData(value: unknown, path: string): TrellisError {
  return new TrellisError('INVALID_DATA', `Invalid data: ${describeType(value)} at ${path}`, path)
}

export function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'Array'
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name
    return typeof name === 'string' && name !== '' ? name : 'Object'
  }
  return typeof value
}
