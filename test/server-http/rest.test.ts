import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, serve, type Served } from './helpers.js'

describe('REST API against a listening server', () => {
  let s: Served
  beforeAll(async () => {
    s = await serve({ bodyLimit: 64 * 1024 })
  })
  afterAll(async () => {
    await s.close()
  })

  it('PUT writes a node (nested objects become linked nodes); GET reads it by path', async () => {
    const put = await call(s.base, 'PUT', '/api/v1/data/mark', { name: 'Mark', boss: { name: 'Fluffy', species: 'cat' } })
    expect(put.status).toBe(200)
    expect(put.body).toEqual({ data: { name: 'Mark', boss: { '#': 'mark/boss' } }, path: 'mark' })
    const boss = await call(s.base, 'GET', '/api/v1/data/mark/boss')
    expect(boss.body).toEqual({ data: { name: 'Fluffy', species: 'cat' }, path: 'mark/boss' })
    const name = await call(s.base, 'GET', '/api/v1/data/mark/boss/name')
    expect(name.body).toEqual({ data: 'Fluffy', path: 'mark/boss/name' })
    const meta = await call(s.base, 'GET', '/api/v1/data/mark?meta=1')
    expect((meta.body.data as { _: { '#': string } })._['#']).toBe('mark')
  })

  it('PUT replaces (missing keys are tombstoned, and read as absent), PATCH merges', async () => {
    await call(s.base, 'PUT', '/api/v1/data/ann', { name: 'Ann', age: 41, city: 'Oslo' })
    const replaced = await call(s.base, 'PUT', '/api/v1/data/ann', { name: 'Ann', age: 42 })
    expect(replaced.body.data).toEqual({ name: 'Ann', age: 42 })
    // With ?meta=1 the node is shown as stored: its tombstones (null) and states.
    const raw = await call(s.base, 'GET', '/api/v1/data/ann?meta=1')
    expect(raw.body.data).toMatchObject({ name: 'Ann', age: 42, city: null })
    const patched = await call(s.base, 'PATCH', '/api/v1/data/ann', { city: 'Bergen' })
    expect(patched.body.data).toEqual({ name: 'Ann', age: 42, city: 'Bergen' })
    const value = await call(s.base, 'PUT', '/api/v1/data/ann/age', 43)
    expect(value.body).toEqual({ data: 43, path: 'ann/age' })
  })

  it('DELETE tombstones a key or a whole node; both then read as 404', async () => {
    await call(s.base, 'PUT', '/api/v1/data/del', { a: 1, b: 2 })
    expect((await call(s.base, 'DELETE', '/api/v1/data/del/a')).body).toEqual({ data: null, path: 'del/a' })
    expect((await call(s.base, 'GET', '/api/v1/data/del/a')).status).toBe(404)
    expect((await call(s.base, 'GET', '/api/v1/data/del')).body.data).toEqual({ b: 2 })
    expect((await call(s.base, 'DELETE', '/api/v1/data/del')).status).toBe(200)
    expect((await call(s.base, 'GET', '/api/v1/data/del')).status).toBe(404)
    expect((await call(s.base, 'DELETE', '/api/v1/data/never-was')).status).toBe(404)
  })

  it('DELETE of a node reached through a key removes the node too: gone by path and by soul', async () => {
    await call(s.base, 'PUT', '/api/v1/data/people', { ann: { name: 'Ann', age: 41 }, bob: { name: 'Bob' } })
    expect((await call(s.base, 'GET', '/api/v1/data/people%2Fann')).body).toMatchObject({ data: { name: 'Ann' } })
    expect((await call(s.base, 'DELETE', '/api/v1/data/people/ann')).status).toBe(200)
    expect((await call(s.base, 'GET', '/api/v1/data/people/ann')).status).toBe(404)
    expect((await call(s.base, 'GET', '/api/v1/data/people%2Fann')).status).toBe(404)
    expect((await call(s.base, 'GET', '/api/v1/data/people/bob/name')).body).toMatchObject({ data: 'Bob' })
  })

  it('keys are strings: %2F inside a segment, __proto__ and constructor are ordinary keys', async () => {
    const put = await call(s.base, 'PUT', '/api/v1/data/odd%2Fsoul', { ['__proto__']: 'p', constructor: 'c' })
    expect(put.status).toBe(200)
    const got = await call(s.base, 'GET', '/api/v1/data/odd%2Fsoul')
    expect(got.body.path).toBe('odd%2Fsoul')
    expect(Object.getOwnPropertyDescriptor(got.body.data, '__proto__')?.value).toBe('p')
    expect((got.body.data as Record<string, unknown>).constructor).toBe('c')
  })

  it('errors: JSON with code and message; 400 names the offending path; 404; 413; 415; 406', async () => {
    const badJson = await call(s.base, 'PUT', '/api/v1/data/x', '{"a":')
    expect(badJson.status).toBe(400)
    expect(badJson.body.code).toBe('INVALID_JSON')
    expect(typeof badJson.body.message).toBe('string')

    const array = await call(s.base, 'PUT', '/api/v1/data/users', { ann: { tags: ['a', 'b'] } })
    expect(array.status).toBe(400)
    expect(array.body).toMatchObject({ code: 'INVALID_DATA', message: 'Invalid data: Array at users.ann.tags', path: 'users/ann/tags' })
    expect((await call(s.base, 'GET', '/api/v1/data/users')).status).toBe(404) // atomic: nothing written

    const rootValue = await call(s.base, 'PUT', '/api/v1/data/users', 5)
    expect(rootValue.body.code).toBe('ROOT_NOT_NODE')
    const emptyKey = await call(s.base, 'PUT', '/api/v1/data/k', { a: { '': 1 } })
    expect(emptyKey.body).toMatchObject({ code: 'INVALID_KEY', path: 'k/a' })
    const patchValue = await call(s.base, 'PATCH', '/api/v1/data/k', 'text')
    expect(patchValue.status).toBe(400)
    const badPath = await call(s.base, 'GET', '/api/v1/data/a//b')
    expect(badPath.body.code).toBe('INVALID_PATH')
    const badEscape = await call(s.base, 'GET', '/api/v1/data/%E0%A4%A')
    expect(badEscape.body.code).toBe('INVALID_PATH')
    let deep: Record<string, unknown> = { end: 1 }
    for (let i = 0; i < 40; i++) deep = { d: deep }
    const tooDeep = await call(s.base, 'PUT', '/api/v1/data/deep', deep)
    expect(tooDeep.body.code).toBe('INVALID_DATA')

    const missing = await call(s.base, 'GET', '/api/v1/data/nobody/here')
    expect(missing.status).toBe(404)
    expect(missing.body).toMatchObject({ code: 'NOT_FOUND', path: 'nobody/here' })
    const noRoute = await call(s.base, 'GET', '/api/v1/nothing')
    expect(noRoute.status).toBe(404)
    expect(noRoute.body.code).toBe('NOT_FOUND')

    const big = await call(s.base, 'PUT', '/api/v1/data/big', { v: 'x'.repeat(100 * 1024) })
    expect(big.status).toBe(413)
    expect(big.body.code).toBe('BODY_TOO_LARGE')

    const text = await call(s.base, 'PUT', '/api/v1/data/t', 'hello', { 'content-type': 'text/plain' })
    expect(text.status).toBe(415)
    expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE')

    const plainGet = await call(s.base, 'GET', '/api/v1/subscribe/mark')
    expect(plainGet.status).toBe(406)
    expect(plainGet.body.code).toBe('NOT_ACCEPTABLE')
  })

  it("errors outside /api/v1 have the same shape (the relay's own app)", async () => {
    const missing = await call(s.base, 'GET', '/no/such/route')
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ code: 'NOT_FOUND', message: 'No route GET /no/such/route' })
  })

  it('souls are listed in lexical pages', async () => {
    const page = await call(s.base, 'GET', '/api/v1/souls?limit=2')
    expect(page.status).toBe(200)
    expect((page.body.data as string[]).length).toBe(2)
    const next = await call(s.base, 'GET', `/api/v1/souls?limit=2&after=${encodeURIComponent((page.body.data as string[])[1])}`)
    expect((next.body.data as string[])[0] > (page.body.data as string[])[1]).toBe(true)
    expect((await call(s.base, 'GET', '/api/v1/souls?limit=0')).status).toBe(400)
    const status = await call(s.base, 'GET', '/api/v1/status')
    expect((status.body.data as { souls: number }).souls).toBeGreaterThan(0)
  })
})
