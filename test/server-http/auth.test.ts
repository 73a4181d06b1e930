import { generateKeyPairSync } from 'node:crypto'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadServerConfig } from '../../src/server/config.js'
import { rawClient } from '../server/helpers.js'
import { call, serve, type Served } from './helpers.js'

const READ = 'read-token-0123456789'
const WRITE = 'write-token-0123456789'
const SECRET = 'a-jwt-secret-of-at-least-32-characters!!'
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const EC_PUBLIC = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const hs256 = (claims: Record<string, unknown>, secret = SECRET, expires = '5m') =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expires).sign(new TextEncoder().encode(secret))

describe('HTTP authorization: bearer tokens and JWTs', () => {
  let open: Served
  let closed: Served
  let jwtRelay: Served

  beforeAll(async () => {
    open = await serve({ admin: true })
    closed = await serve({ admin: true, auth: { readTokens: [READ], writeTokens: [WRITE] } })
    jwtRelay = await serve({ auth: { jwt: { secret: SECRET } } })
  })
  afterAll(async () => {
    await open?.close()
    await closed?.close()
    await jwtRelay?.close()
  })

  it('is open by default: no credential needed to read, write or scrape', async () => {
    expect((await call(open.base, 'PUT', '/api/v1/data/notes/a', { text: 'hi' })).status).toBe(200)
    expect((await call(open.base, 'GET', '/api/v1/data/notes/a')).status).toBe(200)
    expect((await fetch(`${open.base}/metrics`)).status).toBe(200)
  })

  it('refuses REST, subscriptions and /metrics without a credential (401, WWW-Authenticate: Bearer)', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/data/notes/a'],
      ['PUT', '/api/v1/data/notes/a'],
      ['DELETE', '/api/v1/data/notes/a'],
      ['GET', '/api/v1/status'],
      ['GET', '/api/v1/souls'],
    ] as const) {
      const res = await call(closed.base, method, path, method === 'PUT' ? { text: 'x' } : undefined)
      expect({ method, path, status: res.status, code: (res.body as { code?: string }).code }).toEqual({ method, path, status: 401, code: 'UNAUTHORIZED' })
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    }
    expect((await fetch(`${closed.base}/metrics`)).status).toBe(401)
    expect((await fetch(`${closed.base}/api/v1/subscribe/notes`)).status).toBe(401)
    expect((await call(closed.base, 'GET', '/api/v1/data/notes/a', undefined, bearer('not-a-token-at-all'))).status).toBe(401)
  })

  it('lets a read token read and a write token write; a read token cannot write (403)', async () => {
    expect((await call(closed.base, 'PUT', '/api/v1/data/notes/a', { text: 'hi' }, bearer(WRITE))).status).toBe(200)
    expect((await call(closed.base, 'GET', '/api/v1/data/notes/a', undefined, bearer(READ))).body).toMatchObject({ data: { text: 'hi' } })
    const refused = await call(closed.base, 'PUT', '/api/v1/data/notes/a', { text: 'no' }, bearer(READ))
    expect(refused.status).toBe(403)
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN' })
    expect((await call(closed.base, 'GET', '/api/v1/data/notes/a', undefined, bearer(WRITE))).body).toMatchObject({ data: { text: 'hi' } })
    expect((await fetch(`${closed.base}/metrics`, { headers: bearer(READ) })).status).toBe(200)
  })

  it('takes ?access_token on reads only (EventSource and WebSocket cannot set headers)', async () => {
    expect((await call(closed.base, 'GET', `/api/v1/data/notes/a?access_token=${READ}`)).status).toBe(200)
    expect((await call(closed.base, 'PUT', `/api/v1/data/notes/a?access_token=${WRITE}`, { text: 'x' })).status).toBe(401)
  })

  it("leaves health, readiness, the admin page and Gun's WebSocket open", async () => {
    expect((await fetch(`${closed.base}/healthz`)).status).toBe(200)
    expect((await fetch(`${closed.base}/readyz`)).status).toBe(200)
    expect((await fetch(`${closed.base}/`)).status).toBe(200)
    const client = await rawClient(closed.gunUrl)
    client.send({ '#': 'w1', put: { open: { _: { '#': 'open', '>': { a: Date.now() } }, a: 1 } } })
    expect(await client.waitFor((m) => m['@'] === 'w1')).toMatchObject({ ok: true })
    client.close()
  })

  it('accepts JWTs by role, and refuses expired, wrongly signed and role-less ones', async () => {
    expect((await call(jwtRelay.base, 'PUT', '/api/v1/data/j/a', { v: 1 }, bearer(await hs256({ role: 'write' })))).status).toBe(200)
    expect((await call(jwtRelay.base, 'GET', '/api/v1/data/j/a', undefined, bearer(await hs256({ role: 'read' })))).status).toBe(200)
    expect((await call(jwtRelay.base, 'PUT', '/api/v1/data/j/a', { v: 2 }, bearer(await hs256({ role: 'read' })))).status).toBe(403)
    expect((await call(jwtRelay.base, 'GET', '/api/v1/data/j/a', undefined, bearer(await hs256({})))).status).toBe(401)
    expect(
      (await call(jwtRelay.base, 'GET', '/api/v1/data/j/a', undefined, bearer(await hs256({ role: 'write' }, 'another-secret-of-32-characters-or-more'))))
        .status,
    ).toBe(401)
    const expired = await hs256({ role: 'write' }, SECRET, (Math.floor(Date.now() / 1000) - 60) as unknown as string)
    expect((await call(jwtRelay.base, 'GET', '/api/v1/data/j/a', undefined, bearer(expired))).status).toBe(401)
  })

  it('accepts ES256 JWTs checked with a public key, with issuer and audience', async () => {
    const relay = await serve({ auth: { jwt: { publicKey: EC_PUBLIC, issuer: 'https://id.example', audience: 'trellis' } } })
    try {
      const token = (iss: string) =>
        new SignJWT({ role: 'write' }).setProtectedHeader({ alg: 'ES256' }).setIssuer(iss).setAudience('trellis').setExpirationTime('5m').sign(ec.privateKey)
      expect((await call(relay.base, 'PUT', '/api/v1/data/e/a', { v: 1 }, bearer(await token('https://id.example')))).status).toBe(200)
      expect((await call(relay.base, 'PUT', '/api/v1/data/e/a', { v: 1 }, bearer(await token('https://evil.example')))).status).toBe(401)
    } finally {
      await relay.close()
    }
  })

  it('is configured by flag and environment, and refuses short tokens with a clear error', () => {
    const config = loadServerConfig(['--read-tokens', `${READ},${READ}x`], { WRITE_TOKENS: WRITE })
    expect(config).toMatchObject({ readTokens: [READ, `${READ}x`], writeTokens: [WRITE] })
    expect(() => loadServerConfig(['--write-tokens', 'short'], {})).toThrow(ConfigError)
    expect(() => loadServerConfig(['--write-tokens', 'short'], {})).toThrow(/at least 16 characters.*--write-tokens/)
    // The refusal never echoes the token.
    expect(() => loadServerConfig(['--write-tokens', 'sekrit'], {})).not.toThrow(/sekrit/)
  })
})
