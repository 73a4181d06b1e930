import type { FastifyInstance } from 'fastify'
import { checkData, type ValidationLimits } from '../../core/validate.js'
import { ApiError, fromTrellisError } from './errors.js'

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
 * Check a parsed body before it reaches the chain, with the rules every
 * entry point shares (core/validate.ts: the same verdicts and messages as a
 * chain put or a wire put), plus this request's shape bounds (nesting and
 * key count). `base` is the API path written to; a refusal names the
 * offending path as `a/b/c`.
 */
export function validateBody(value: unknown, base: string[], limits: BodyLimits, validation: ValidationLimits): void {
  const refusal = checkData(value, base, validation, limits)
  if (refusal !== undefined) throw fromTrellisError(refusal.error, refusal.at.map(encodeURIComponent).join('/'))
}
