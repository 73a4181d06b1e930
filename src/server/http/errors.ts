import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, TrellisError } from '../../core/errors.js'

/** A failure the HTTP API reports: status, a stable code, a message, and the offending path when there is one. */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly path: string | undefined

  constructor(status: number, code: string, message: string, path?: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.path = path
  }
}

/** The JSON body of every HTTP API error: a stable `code`, a message, and the path it concerns. */
export interface ErrorBody {
  code: string
  message: string
  path?: string
}

const TRELLIS_STATUS: Record<ErrorCode, number> = {
  INVALID_DATA: 400,
  INVALID_GRAPH: 400,
  INVALID_STATE: 400,
  INVALID_KEY: 400,
  INVALID_SOUL: 400,
  ROOT_NOT_NODE: 400,
  UNVERIFIED: 403,
  QUOTA: 507,
  TIMEOUT: 504,
  STORAGE: 503,
  CLOSED: 503,
}

const FASTIFY_ERRORS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'INVALID_CONTENT_LENGTH'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
}

/** Whatever was thrown, as the API reports it. Internal details of unexpected errors are not leaked. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (error instanceof TrellisError) return fromTrellisError(error, error.path)
  const fastify = error as Partial<FastifyError>
  const mapped = typeof fastify.code === 'string' ? FASTIFY_ERRORS[fastify.code] : undefined
  if (mapped !== undefined) return new ApiError(mapped[0], mapped[1], fastify.message ?? mapped[1])
  if (error instanceof SyntaxError || fastify.statusCode === 400) {
    return new ApiError(400, 'INVALID_JSON', `Invalid JSON: ${fastify.message ?? 'cannot parse the body'}`)
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return new ApiError(fastify.statusCode, 'BAD_REQUEST', fastify.message ?? 'Bad request')
  }
  return new ApiError(500, 'INTERNAL', 'Internal error')
}

/** A refusal from core as the API reports it, with the API path (`a/b`) that was refused. */
export function fromTrellisError(error: TrellisError, path: string | undefined): ApiError {
  return new ApiError(TRELLIS_STATUS[error.code], error.code, error.message, path)
}

export function errorBody(error: ApiError): ErrorBody {
  const body: ErrorBody = { code: error.code, message: error.message }
  if (error.path !== undefined) body.path = error.path
  return body
}

/** The API's Fastify error handler: JSON `{ code, message, path? }` with the mapped status. */
export function apiErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const api = toApiError(error)
  if (api.status >= 500) request.log.error({ err: error }, 'request failed')
  void reply.code(api.status).type('application/json').send(errorBody(api))
}

/**
 * A write's refusal (an ack's `err` and `code`) as an API error, its status by the code. The body was checked
 * before the write, but the pipeline may still refuse what only it can see (a path soul past the
 * soul limit, SEA's rules, a full disk). An ack without a code failed outside our own checks: a
 * storage adapter's error, reported as storage-side.
 */
export function ackError(err: string, code: ErrorCode | undefined, path: string): ApiError {
  const known = code ?? 'STORAGE'
  return new ApiError(TRELLIS_STATUS[known], known, err, path)
}
