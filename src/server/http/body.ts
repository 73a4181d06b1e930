import type { FastifyInstance } from 'fastify'
import { ApiError } from './errors.js'

export interface BodyLimits {
  /** Largest request body in bytes (413 past it). */
  bodyLimit: number
  /** Deepest object nesting in a body (each level is a linked node). */
  maxDepth: number
  /** Most keys in one body, all levels together. */
  maxKeys: number
}

/**
 * JSON bodies only, in this plugin's context (the app's own parsers are
 * untouched): anything else is a 415. Parsed with plain `JSON.parse`, so
 * `__proto__` is an ordinary key (it becomes an own property; we never
 * assign it), where Fastify's default parser would refuse it.
 */
export function registerJsonBody(app: FastifyInstance, limits: BodyLimits): void {
  app.removeAllContentTypeParsers()
  const parse = (_request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(new ApiError(400, 'INVALID_JSON', 'Invalid JSON: the body is empty'))
    try {
      done(null, JSON.parse(text))
    } catch (error) {
      done(new ApiError(400, 'INVALID_JSON', `Invalid JSON: ${(error as Error).message}`))
    }
  }
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: limits.bodyLimit }, parse)
  // `application/merge-patch+json` and friends.
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string', bodyLimit: limits.bodyLimit }, parse)
}

/**
 * Check a parsed body before it reaches the chain, so every refusal names
 * the offending path: arrays (Gun has none), empty keys, the reserved `_`,
 * nesting and size past the limits. `base` is the API path written to.
 */
export function validateBody(value: unknown, base: string[], limits: BodyLimits): void {
  let keys = 0
  const walk = (node: unknown, path: string[], depth: number) => {
    if (node === null || typeof node !== 'object') return
    const at = () => path.join('.')
    if (Array.isArray(node)) throw new ApiError(400, 'INVALID_DATA', `Invalid data: Array at ${at()}`, path.join('/'))
    if (depth > limits.maxDepth) throw new ApiError(400, 'INVALID_DATA', `Invalid data: nested deeper than ${limits.maxDepth} levels at ${at()}`, path.join('/'))
    const own = Object.keys(node)
    // A link `{ "#": soul }` is a value, not a node.
    if (own.length === 1 && own[0] === '#' && typeof (node as Record<string, unknown>)['#'] === 'string') return
    for (const key of own) {
      keys++
      if (keys > limits.maxKeys) throw new ApiError(400, 'INVALID_DATA', `Invalid data: more than ${limits.maxKeys} keys in one body`, path.join('/'))
      if (key === '') throw new ApiError(400, 'INVALID_KEY', `Invalid key: empty key at ${at()}`, path.join('/'))
      if (key === '_') throw new ApiError(400, 'INVALID_KEY', `Invalid key: '_' is reserved for node metadata at ${at()}`, path.join('/'))
      walk((node as Record<string, unknown>)[key], [...path, key], depth + 1)
    }
  }
  walk(value, base, 0)
}
