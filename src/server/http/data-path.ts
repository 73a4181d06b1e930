import type { Chain } from '../../core/chain/chain.js'
import type { RootChain } from '../../instance.js'
import { keyError, soulError, type ValidationLimits } from '../../core/validate.js'
import { ApiError, fromTrellisError } from './errors.js'

export interface PathLimits {
  /** Most segments in one path. */
  maxSegments: number
  /** Soul and key sizes: the first segment is a soul, the others keys (the rules every entry point shares). */
  validation: ValidationLimits
}

/** A parsed API path: decoded segments, and the canonical text echoed back as `path`. */
export interface DataPath {
  segments: string[]
  text: string
}

/**
 * The segments after `marker` (e.g. `/data/`) in a raw request URL. Parsed
 * from the raw URL, not the router's wildcard, so that `%2F` stays a slash
 * inside a key. Empty segments and bad percent-encoding are refused.
 */
export function parseDataPath(rawUrl: string, marker: string, limits: PathLimits): DataPath {
  const q = rawUrl.indexOf('?')
  const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q)
  const at = pathname.indexOf(marker)
  const rest = at === -1 ? '' : pathname.slice(at + marker.length)
  const trimmed = rest.endsWith('/') ? rest.slice(0, -1) : rest
  if (trimmed === '') throw new ApiError(400, 'INVALID_PATH', 'Empty path: address a node as /api/v1/data/<soul>[/<key>...]')
  const raw = trimmed.split('/')
  if (raw.length > limits.maxSegments) throw new ApiError(400, 'INVALID_PATH', `Path has ${raw.length} segments; at most ${limits.maxSegments} allowed`)
  const segments: string[] = []
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i]
    if (part === '') throw new ApiError(400, 'INVALID_PATH', `Empty segment at position ${i + 1} of the path`)
    let decoded: string
    try {
      decoded = decodeURIComponent(part)
    } catch {
      throw new ApiError(400, 'INVALID_PATH', `Bad percent-encoding in path segment ${i + 1}`)
    }
    const refused = i === 0 ? soulError(decoded, limits.validation) : keyError(decoded, segments.join('.'), limits.validation)
    if (refused !== undefined) throw fromTrellisError(refused, segments.map(encodeURIComponent).join('/') || undefined)
    segments.push(decoded)
  }
  return { segments, text: segments.map(encodeURIComponent).join('/') }
}

/** `db.get(s0).get(s1)…` */
export function chainAt(db: RootChain, segments: readonly string[]): Chain {
  let chain: Chain = db
  for (const segment of segments) chain = chain.get(segment)
  return chain
}
