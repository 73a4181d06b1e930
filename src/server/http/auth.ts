import { createHash, createPublicKey, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { importSPKI, type JWTVerifyGetKey, jwtVerify, type KeyObject } from 'jose'
import { errorBody, ApiError } from './errors.js'

/** What a credential allows: reading (REST reads, subscriptions, /metrics, the admin UI's data) or also writing. */
type Role = 'read' | 'write'

/**
 * Credentials for the HTTP side (REST, subscriptions, `/metrics`, the admin
 * UI's data). None configured: everything is open, as on a relay bound to
 * 127.0.0.1. Any configured: every request to those routes needs one, as
 * `Authorization: Bearer <token>` (or `?access_token=` on GETs, for
 * browsers' EventSource and WebSocket, which cannot set headers).
 * `/healthz`, `/readyz` and Gun's WebSocket stay open: the wire is
 * governed by SEA's rules.
 */
export interface HttpAuthOptions {
  /** Opaque tokens allowed to read. */
  readTokens?: string[]
  /** Opaque tokens allowed to read and write. */
  writeTokens?: string[]
  /**
   * JWTs checked with jose: HS256 with `secret`, or RS256/ES256/EdDSA with `publicKey` (PEM, SPKI).
   * The role is the `role` claim (`read` or `write`); `issuer` and `audience` are checked when given.
   */
  jwt?: { secret?: string; publicKey?: string; algorithms?: string[]; issuer?: string; audience?: string }
}

/** Shortest opaque token accepted: a guessable token is no credential. */
const MIN_TOKEN_CHARS = 16

export interface HttpAuth {
  /** True when any credential is configured. */
  readonly enabled: boolean
  /** Fastify onRequest hook: 401 without a valid credential, 403 when it may only read and the request writes. */
  check(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>
}

const digest = (text: string) => createHash('sha256').update(text).digest()

export async function createHttpAuth(options: HttpAuthOptions = {}): Promise<HttpAuth> {
  const tokens: { hash: Buffer; role: Role }[] = []
  for (const [list, role] of [
    [options.readTokens ?? [], 'read'],
    [options.writeTokens ?? [], 'write'],
  ] as const) {
    for (const token of list) {
      if (token.length < MIN_TOKEN_CHARS) throw new Error(`HTTP tokens must be at least ${MIN_TOKEN_CHARS} characters`)
      tokens.push({ hash: digest(token), role })
    }
  }
  const jwt = options.jwt
  let key: Uint8Array | KeyObject | CryptoKey | JWTVerifyGetKey | undefined
  let algorithms: string[] | undefined
  if (jwt?.publicKey !== undefined) {
    const alg = jwt.algorithms?.[0] ?? algorithmOf(jwt.publicKey)
    key = await importSPKI(jwt.publicKey, alg)
    algorithms = jwt.algorithms ?? [alg]
  } else if (jwt?.secret !== undefined) {
    if (jwt.secret.length < 32) throw new Error('a JWT secret must be at least 32 characters')
    key = new TextEncoder().encode(jwt.secret)
    algorithms = jwt.algorithms ?? ['HS256']
  }
  const enabled = tokens.length > 0 || key !== undefined

  /** The role a credential grants, or undefined when it grants nothing. */
  const roleOf = async (credential: string): Promise<Role | undefined> => {
    const hash = digest(credential)
    let found: Role | undefined
    // Every token is compared, in constant time, so the answer's timing says nothing about which matched.
    for (const token of tokens) if (timingSafeEqual(token.hash, hash)) found = token.role === 'write' || found === 'write' ? 'write' : 'read'
    if (found !== undefined || key === undefined || credential.split('.').length !== 3) return found
    try {
      const { payload } = await jwtVerify(credential, key as Uint8Array, { algorithms, issuer: jwt?.issuer, audience: jwt?.audience })
      return payload.role === 'write' ? 'write' : payload.role === 'read' ? 'read' : undefined
    } catch {
      return undefined
    }
  }

  return {
    enabled,
    async check(request, reply) {
      if (!enabled || request.method === 'OPTIONS') return undefined
      const credential = credentialOf(request)
      const role = credential === undefined ? undefined : await roleOf(credential)
      if (role === undefined) {
        const error = new ApiError(401, 'UNAUTHORIZED', credential === undefined ? 'A bearer token is required' : 'The bearer token is not valid')
        return reply.code(401).header('www-authenticate', 'Bearer').type('application/json').send(errorBody(error))
      }
      if (role === 'read' && !READS.has(request.method)) {
        const error = new ApiError(403, 'FORBIDDEN', 'This token may only read')
        return reply.code(403).type('application/json').send(errorBody(error))
      }
      return undefined
    },
  }
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    return match === null ? undefined : match[1]
  }
  if (!READS.has(request.method)) return undefined
  const query = request.query as Record<string, unknown> | undefined
  const token = query?.access_token
  return typeof token === 'string' && token !== '' ? token : undefined
}

/** The JWS algorithm a public key signs with: read from the key itself. */
function algorithmOf(pem: string): string {
  const key = createPublicKey(pem)
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256'
    case 'ed25519':
      return 'EdDSA'
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      return curve === 'secp384r1' ? 'ES384' : curve === 'secp521r1' ? 'ES512' : 'ES256'
    }
    default:
      throw new Error(`unsupported JWT public key type ${key.asymmetricKeyType}`)
  }
}
