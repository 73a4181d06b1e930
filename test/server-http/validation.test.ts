import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Ack } from '../../src/core/engine-types.js'
import { createInstance, type RootChain } from '../../src/instance.js'
import { rawClient, type RawClient } from '../server/helpers.js'
import { call } from './helpers.js'
import { startServerProcess, type ServerProcess } from './processes.js'

/**
 * Issue 11 #17 and #8: one validator for the chain, the wire and REST. The
 * same table of writes goes through a chain put (in process), a wire put to
 * a real relay process, and a REST PUT to that relay: each must give the
 * same verdict and the same message.
 */

const MAX_SOUL = 4096
const MAX_KEY = 4096
const MAX_VALUE = 4 * 1024 * 1024
const longSoul = 's'.repeat(MAX_SOUL + 1)
const longKey = 'k'.repeat(MAX_KEY + 1)

interface Row {
  name: string
  soul: string
  key: string
  value: unknown
  /** undefined: accepted everywhere. */
  err?: string
}

const ROWS: Row[] = [
  { name: 'a string', soul: 'v-ok', key: 'k', value: 'v' },
  { name: 'null, a tombstone', soul: 'v-null', key: 'k', value: null },
  { name: 'a link', soul: 'v-link', key: 'k', value: { '#': 'v-ok' } },
  { name: 'a __proto__ key', soul: 'v-proto', key: '__proto__', value: 1 },
  { name: 'a soul at the limit', soul: 'a'.repeat(MAX_SOUL), key: 'k', value: 1 },
  { name: 'a key at the limit', soul: 'v-keymax', key: 'k'.repeat(MAX_KEY), value: 1 },
  { name: 'a value at the limit', soul: 'v-valmax', key: 'k', value: 'x'.repeat(MAX_VALUE) },
  { name: 'an array', soul: 'v-arr', key: 'k', value: [1, 2], err: 'Invalid data: Array at v-arr.k' },
  { name: 'an empty key', soul: 'v-empty', key: '', value: 1, err: 'Invalid key: empty key at v-empty' },
  { name: 'a soul too long', soul: longSoul, key: 'k', value: 1, err: `Soul too long: ${MAX_SOUL + 1} chars (max ${MAX_SOUL}) at ${'s'.repeat(40)}…` },
  { name: 'a key too long', soul: 'v-key', key: longKey, value: 1, err: `Key too long: ${MAX_KEY + 1} chars (max ${MAX_KEY}) at v-key.${'k'.repeat(40)}…` },
  {
    name: 'a value too long',
    soul: 'v-val',
    key: 'k',
    value: 'x'.repeat(MAX_VALUE + 1),
    err: `Value too long: ${MAX_VALUE + 1} chars (max ${MAX_VALUE}) at v-val.k`,
  },
  {
    name: 'a link to a soul too long',
    soul: 'v-lnk',
    key: 'k',
    value: { '#': longSoul },
    err: `Soul too long: ${MAX_SOUL + 1} chars (max ${MAX_SOUL}) at v-lnk.k`,
  },
]

function record(key: string, value: unknown): Record<string, unknown> {
  const data: Record<string, unknown> = {}
  Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true })
  return data
}

function chainPut(db: RootChain, soul: string, data: unknown): Promise<Ack> {
  return new Promise((resolve) => db.get(soul).put(data, resolve))
}

let ids = 0
async function wirePut(client: RawClient, soul: string, key: string, value: unknown): Promise<{ ok?: unknown; err?: unknown }> {
  const id = `vt${++ids}`
  const node = { _: { '#': soul, '>': record(key, Date.now()) }, ...record(key, value) }
  client.sendText(JSON.stringify({ '#': id, put: record(soul, node) }))
  const ack = await client.waitFor((m) => m['@'] === id, 10_000)
  return { ok: ack.ok, err: ack.err }
}

describe('one validator: the chain, a wire put to a real relay and REST agree', () => {
  let relay: ServerProcess
  let client: RawClient
  let db: RootChain
  beforeAll(async () => {
    relay = await startServerProcess(['--memory', '--port', '0', '--body-limit', '8mb', '--no-admin'])
    client = await rawClient(`${relay.base}/gun`)
    db = createInstance({})
  }, 30_000)
  afterAll(async () => {
    client?.close()
    relay?.child.kill('SIGTERM')
    await relay?.exited
  })

  it.each(ROWS)(
    '$name',
    async (row) => {
      const chain = await chainPut(db, row.soul, record(row.key, row.value))
      const wire = await wirePut(client, row.soul, row.key, row.value)
      const rest = await call(relay.base, 'PUT', `/api/v1/data/${encodeURIComponent(row.soul)}`, record(row.key, row.value))
      const verdicts = {
        chain: chain.err ?? 'ok',
        wire: wire.err ?? (wire.ok === true ? 'ok' : 'no ack'),
        rest: rest.status === 200 ? 'ok' : rest.body.message,
      }
      const expected = row.err ?? 'ok'
      expect(verdicts).toEqual({ chain: expected, wire: expected, rest: expected })
      if (row.err !== undefined) expect(rest.status).toBe(400)
    },
    30_000,
  )

  it('nothing refused was stored: not by the relay (wire or REST), not by the chain', async () => {
    for (const row of ROWS.filter((r) => r.err !== undefined && r.soul.length <= MAX_SOUL)) {
      expect((await call(relay.base, 'GET', `/api/v1/data/${encodeURIComponent(row.soul)}`)).status).toBe(404)
      expect(db.root.engine.peek(row.soul)).toBeUndefined()
    }
    const listed = await call(relay.base, 'GET', '/api/v1/souls?prefix=sss&limit=10')
    expect(listed.body.data).toEqual([])
  })

  it('with several faults, the chain and REST name the same one first (plain values before nested objects)', async () => {
    for (const [data, err] of [
      [{ a: { x: [1] }, b: [1], c: 1 }, 'Invalid data: Array at multi.a.x'],
      [{ a: { x: 1 }, b: 'x'.repeat(MAX_VALUE + 1) }, `Value too long: ${MAX_VALUE + 1} chars (max ${MAX_VALUE}) at multi.b`],
      [{ a: { '': 1 }, [longKey]: 1 }, `Key too long: ${MAX_KEY + 1} chars (max ${MAX_KEY}) at multi.${'k'.repeat(40)}…`],
      [{ a: { y: { '#': longSoul } }, b: { c: [2] } }, `Soul too long: ${MAX_SOUL + 1} chars (max ${MAX_SOUL}) at multi.a.y`],
    ] as const) {
      expect((await chainPut(db, 'multi', data)).err).toBe(err)
      const rest = await call(relay.base, 'PUT', '/api/v1/data/multi', data)
      expect([rest.status, rest.body.message]).toEqual([400, err])
    }
  })

  it('`_` in app data is node metadata, the same for the chain and REST', async () => {
    // An object `_` whose `#` names the node's soul is read (Gun's way to choose a soul); other metadata is ignored.
    const named = { _: { '#': 'meta-target', '>': { a: 1 } }, a: 1 }
    expect((await chainPut(db, 'meta-src', { sub: named })).err).toBeUndefined()
    expect((await call(relay.base, 'PUT', '/api/v1/data/meta-src', { sub: named })).status).toBe(200)
    expect(db.root.engine.peek('meta-src')?.get('sub')).toEqual({ '#': 'meta-target' })
    expect((await call(relay.base, 'GET', '/api/v1/data/meta-src')).body.data).toEqual({ sub: { '#': 'meta-target' } })
    // A `_` that is not an object is refused with Gun's wording, and a `#` soul past the limit like any soul.
    for (const [data, err] of [
      [{ sub: { _: 5, a: 1 } }, 'Invalid data: number at meta-bad.sub._'],
      [{ sub: { _: ['x'], a: 1 } }, 'Invalid data: Array at meta-bad.sub._'],
      [{ sub: { _: { '#': longSoul }, a: 1 } }, `Soul too long: ${MAX_SOUL + 1} chars (max ${MAX_SOUL}) at meta-bad.sub._.#`],
    ] as const) {
      expect((await chainPut(db, 'meta-bad', data)).err).toBe(err)
      const rest = await call(relay.base, 'PUT', '/api/v1/data/meta-bad', data)
      expect([rest.status, rest.body.message]).toEqual([400, err])
    }
  })
})

describe('soul and key lengths on every entry point (issue 11 #8)', () => {
  let relay: ServerProcess
  beforeAll(async () => {
    relay = await startServerProcess(['--memory', '--port', '0', '--no-admin'])
  }, 30_000)
  afterAll(async () => {
    relay?.child.kill('SIGTERM')
    await relay?.exited
  })

  it('a wire put with a 1M- or 3M-char soul gets an error ack, and nothing is stored', async () => {
    const client = await rawClient(`${relay.base}/gun`)
    try {
      for (const size of [1024 * 1024, 3 * 1024 * 1024]) {
        const soul = 'w'.repeat(size)
        const ack = await wirePut(client, soul, 'k', 1)
        expect(ack).toEqual({ ok: undefined, err: `Soul too long: ${size} chars (max ${MAX_SOUL}) at ${'w'.repeat(40)}…` })
      }
      const listed = await call(relay.base, 'GET', '/api/v1/souls?prefix=www&limit=10')
      expect(listed.body.data).toEqual([])
      // The connection is still good for ordinary writes.
      expect(await wirePut(client, 'after-long', 'k', 1)).toEqual({ ok: true, err: undefined })
    } finally {
      client.close()
    }
  }, 30_000)

  it('REST: a soul or key too long in the path or the body is a 400 naming it', async () => {
    const soulPath = await call(relay.base, 'PUT', `/api/v1/data/${'p'.repeat(5000)}`, { a: 1 })
    expect([soulPath.status, soulPath.body.code, soulPath.body.message]).toEqual([
      400,
      'INVALID_SOUL',
      `Soul too long: 5000 chars (max ${MAX_SOUL}) at ${'p'.repeat(40)}…`,
    ])
    const keyPath = await call(relay.base, 'PUT', `/api/v1/data/rest-soul/${'q'.repeat(5000)}`, 1)
    expect([keyPath.status, keyPath.body.code, keyPath.body.message]).toEqual([
      400,
      'INVALID_KEY',
      `Key too long: 5000 chars (max ${MAX_KEY}) at rest-soul.${'q'.repeat(40)}…`,
    ])
    const keyBody = await call(relay.base, 'PATCH', '/api/v1/data/rest-soul', { ok: 1, deep: { ['r'.repeat(5000)]: 1 } })
    expect([keyBody.status, keyBody.body.code, keyBody.body.message]).toEqual([
      400,
      'INVALID_KEY',
      `Key too long: 5000 chars (max ${MAX_KEY}) at rest-soul.deep.${'r'.repeat(40)}…`,
    ])
    const readLong = await call(relay.base, 'GET', `/api/v1/data/${'p'.repeat(5000)}`)
    expect(readLong.status).toBe(400)
    // A path soul the chain builds (`parent/key`) past the limit: refused by the chain, reported as a 400 too.
    const grown = await call(relay.base, 'PUT', `/api/v1/data/${'g'.repeat(4000)}`, { ['h'.repeat(200)]: { a: 1 } })
    expect([grown.status, grown.body.code]).toEqual([400, 'INVALID_SOUL'])
    expect(grown.body.message).toMatch(/^Soul too long: 4201 chars \(max 4096\)/)
    expect((await call(relay.base, 'GET', '/api/v1/souls?prefix=ggg&limit=10')).body.data).toEqual([])
  })
})

describe('the limits are configurable on the relay (--max-soul-chars, --max-key-chars, --max-value-chars)', () => {
  let relay: ServerProcess
  beforeAll(async () => {
    relay = await startServerProcess(['--memory', '--port', '0', '--no-admin', '--max-soul-chars', '16', '--max-key-chars', '8', '--max-value-chars', '10'])
  }, 30_000)
  afterAll(async () => {
    relay?.child.kill('SIGTERM')
    await relay?.exited
  })

  it('REST paths and bodies are checked against the configured limits', async () => {
    const soul = await call(relay.base, 'PUT', `/api/v1/data/${'s'.repeat(17)}`, { a: 1 })
    expect([soul.status, soul.body.message]).toEqual([400, `Soul too long: 17 chars (max 16) at ${'s'.repeat(17)}`])
    const key = await call(relay.base, 'PUT', '/api/v1/data/cfg', { ['k'.repeat(9)]: 1 })
    expect([key.status, key.body.message]).toEqual([400, `Key too long: 9 chars (max 8) at cfg.${'k'.repeat(9)}`])
    const value = await call(relay.base, 'PUT', '/api/v1/data/cfg/v', JSON.stringify('x'.repeat(11)))
    expect([value.status, value.body.message]).toEqual([400, 'Value too long: 11 chars (max 10) at cfg.v'])
    const ok = await call(relay.base, 'PUT', '/api/v1/data/cfg', { ['k'.repeat(8)]: 'x'.repeat(10) })
    expect(ok.status).toBe(200)
  })

  it('wire puts are checked against the configured limits too', async () => {
    const client = await rawClient(`${relay.base}/gun`)
    try {
      expect(await wirePut(client, 's'.repeat(17), 'k', 1)).toEqual({ ok: undefined, err: `Soul too long: 17 chars (max 16) at ${'s'.repeat(17)}` })
      expect(await wirePut(client, 'cfg-wire', 'k'.repeat(9), 1)).toEqual({ ok: undefined, err: `Key too long: 9 chars (max 8) at cfg-wire.${'k'.repeat(9)}` })
      expect(await wirePut(client, 'cfg-wire', 'v', 'x'.repeat(11))).toEqual({ ok: undefined, err: 'Value too long: 11 chars (max 10) at cfg-wire.v' })
      expect(await wirePut(client, 'cfg-wire', 'k'.repeat(8), 'x'.repeat(10))).toEqual({ ok: true, err: undefined })
    } finally {
      client.close()
    }
  })
})

describe('the chain refuses long souls and keys with a TrellisError message (issue 11 #8)', () => {
  it('souls, keys, path souls, links and values past the limits', async () => {
    const db = createInstance({})
    const put = (chain: ReturnType<RootChain['get']>, data: unknown) => new Promise<Ack>((resolve) => chain.put(data, resolve))
    expect((await put(db.get(longSoul), { a: 1 })).err).toBe(`Soul too long: ${MAX_SOUL + 1} chars (max ${MAX_SOUL}) at ${'s'.repeat(40)}…`)
    expect((await put(db.get('c').get(longKey), 1)).err).toBe(`Key too long: ${MAX_KEY + 1} chars (max ${MAX_KEY}) at c.${'k'.repeat(40)}…`)
    expect((await put(db.get('g'.repeat(4000)), { ['h'.repeat(200)]: { a: 1 } })).err).toMatch(/^Soul too long: 4201 chars \(max 4096\)/)
    expect((await put(db.get('c'), { nested: { [longKey]: 1 } })).err).toBe(
      `Key too long: ${MAX_KEY + 1} chars (max ${MAX_KEY}) at c.nested.${'k'.repeat(40)}…`,
    )
    expect((await put(db.get('c').get('v'), 'x'.repeat(MAX_VALUE + 1))).err).toBe(`Value too long: ${MAX_VALUE + 1} chars (max ${MAX_VALUE}) at c.v`)
    expect(db.root.engine.peek('c')).toBeUndefined()
    // Configurable: an instance with smaller limits (createDb / Gun option `validation`) refuses earlier.
    const tight = createInstance({ validation: { maxSoulChars: 8, maxKeyChars: 4, maxValueChars: 3 } })
    expect((await put(tight.get('123456789'), { a: 1 })).err).toBe('Soul too long: 9 chars (max 8) at 123456789')
    expect((await put(tight.get('t'), { abcde: 1 })).err).toBe('Key too long: 5 chars (max 4) at t.abcde')
    expect((await put(tight.get('t'), { a: 'abcd' })).err).toBe('Value too long: 4 chars (max 3) at t.a')
  })
})

describe('GET /api/v1/souls is bounded in bytes whatever is stored (issue 11 #8)', () => {
  const LONG = 600_000
  let relay: ServerProcess | undefined
  let dir: string
  const normal = Array.from({ length: 300 }, (_, i) => `n${String(i).padStart(3, '0')}-${'z'.repeat(500)}`)
  beforeAll(async () => {
    const { mkdtempSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { createLogStorage } = await import('../../src/storage/log/index.js')
    const { GraphNode } = await import('../../src/core/node.js')
    dir = mkdtempSync(join(tmpdir(), 'trellis-souls-'))
    // Written straight into storage, bypassing validation: data stored before the limit existed.
    const store = await createLogStorage({ dir, autoCompact: false })
    const souls = [...normal, 'L'.repeat(LONG), `${'L'.repeat(LONG)}x`, `M${'m'.repeat(LONG)}`, 'o'.repeat(5000), `${'o'.repeat(5000)}p`]
    for (const soul of souls) await store.put([new GraphNode(soul, ['k'], [1], [1])])
    await store.close()
  }, 60_000)
  afterAll(async () => {
    relay?.child.kill('SIGTERM')
    await relay?.exited
  })

  async function pages(base: string, query: string, maxBytes: number): Promise<{ listed: string[]; omitted: number; pages: number }> {
    const listed: string[] = []
    let omitted = 0
    let cursor: string | undefined
    let count = 0
    for (;;) {
      const response = await fetch(`${base}/api/v1/souls?${query}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`)
      const text = await response.text()
      expect(response.status).toBe(200)
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxBytes)
      const body = JSON.parse(text) as { data: string[]; next?: string; omitted?: number }
      listed.push(...body.data)
      omitted += body.omitted ?? 0
      count++
      expect(count).toBeLessThan(100)
      if (body.next === undefined) return { listed, omitted, pages: count }
      cursor = body.next
    }
  }

  it('default bound (1 MiB): three 600k-char souls do not make a 1.8 MB answer; they are omitted, the rest listed', async () => {
    relay = await startServerProcess(['--data', dir, '--port', '0', '--no-admin'])
    const all = await pages(relay.base, 'limit=1000', 1024 * 1024)
    expect(all.listed).toEqual(normal)
    expect(all.omitted).toBe(5)
    relay.child.kill('SIGTERM')
    await relay.exited
    relay = undefined
  }, 30_000)

  it('--max-list-bytes 64kb: pages stop short in bytes and the cursor walks every soul once', async () => {
    relay = await startServerProcess(['--data', dir, '--port', '0', '--no-admin', '--max-list-bytes', '64kb'])
    const all = await pages(relay.base, 'limit=1000', 64 * 1024)
    expect(all.listed).toEqual(normal)
    expect(all.omitted).toBe(5)
    expect(all.pages).toBeGreaterThan(2)
    const few = await pages(relay.base, 'limit=7', 64 * 1024)
    expect(few.listed).toEqual(normal)
    const after = await call(relay.base, 'GET', `/api/v1/souls?limit=2&after=${encodeURIComponent(normal[0])}`)
    expect(after.body.data).toEqual([normal[1], normal[2]])
  }, 30_000)
})
