import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'
import { waitUntil } from '../support/wait.js'

/**
 * The StorageAdapter contract of `trellis/storage/indexeddb`, in Debian's
 * Chromium with its real IndexedDB. Page code is passed as strings, so the
 * test runner never rewrites the page's dynamic imports.
 */
const PRELUDE = `
  const { createIndexedDbStorage } = await import('/storage/indexeddb/index.js')
  const { GraphNode } = await import('/core/node.js')
  const node = (soul, data, state = 1) => new GraphNode(soul, Object.keys(data), Object.values(data), Object.keys(data).map(() => state))
  const plain = (n) => n === undefined ? undefined : Object.fromEntries(n.keys.map((k, i) => [k, [n.values[i], n.states[i]]]))
  const outcome = (p) => p.then(() => 'ok', (e) => ({ code: e.code, message: e.message }))
`

const inPage = <T>(page: Page, body: string): Promise<T> => page.evaluate(`(async () => { ${PRELUDE} ${body} })()`) as Promise<T>

describe('trellis/storage/indexeddb in Chromium', () => {
  let files: DistServer
  let browser: BrowserContext
  let page: Page
  beforeAll(async () => {
    files = await serveDist()
    browser = await launchChromium()
    page = await browser.newPage()
    await page.goto(files.origin)
  })
  afterAll(async () => {
    await browser?.close()
    await files?.close()
  })

  it('merges puts per key (the later write wins), answers get and LEX ranges over a node', async () => {
    const got = await inPage<Record<string, unknown>>(
      page,
      `
      const s = createIndexedDbStorage({ name: 'merge' })
      await s.put([node('n', { b: 'B', a: 'A', __proto__x: 1 }, 1), node('other', { x: true }, 1)])
      await s.put([node('n', { c: { '#': 'other' }, a: 'A2', e: null }, 2)])
      const full = plain(await s.get('n'))
      const ranges = {
        prefix: (await s.get('n', { prefix: 'a' })).keys,
        gte: (await s.get('n', { gte: 'b' })).keys,
        lte: (await s.get('n', { lte: 'b' })).keys,
        both: (await s.get('n', { gte: 'b', lte: 'c' })).keys,
        reverse: (await s.get('n', { reverse: true, limit: 2 })).keys,
        limit: (await s.get('n', { limit: 2 })).keys,
      }
      const missing = await s.get('nothing')
      await s.close()
      return { full, ranges, missing: missing === undefined, closed: await outcome(s.get('n')), closedPut: await outcome(s.put([node('n', { z: 1 })])) }
    `,
    )
    expect(got.full).toEqual({ a: ['A2', 2], b: ['B', 1], __proto__x: [1, 1], c: [{ '#': 'other' }, 2], e: [null, 2] })
    expect(got.ranges).toEqual({
      prefix: ['a'],
      gte: ['b', 'c', 'e'],
      lte: ['__proto__x', 'a', 'b'],
      both: ['b', 'c'],
      reverse: ['e', 'c'],
      limit: ['__proto__x', 'a'],
    })
    expect(got.missing).toBe(true)
    expect(got.closed).toMatchObject({ code: 'CLOSED' })
    expect(got.closedPut).toMatchObject({ code: 'CLOSED' })
  })

  it('lists souls in lexical order (UTF-16 code units, as Gun compares) inside prefix/gte/lte, reversed and limited', async () => {
    const got = await inPage<Record<string, string[]>>(
      page,
      `
      const s = createIndexedDbStorage({ name: 'souls' })
      const souls = ['users/bob', 'users/ann', 'users', 'users/\\uffff', 'users0', 'posts/1', 'Users', 'é', 'z\\uffff\\uffff', 'z\\uffff\\uffffa']
      await s.put(souls.map((soul) => node(soul, { v: soul })))
      const out = {
        all: await s.souls(),
        prefix: await s.souls({ prefix: 'users/' }),
        prefixLimit: await s.souls({ prefix: 'users/', limit: 2 }),
        prefixReverse: await s.souls({ prefix: 'users/', reverse: true, limit: 2 }),
        allFfff: await s.souls({ prefix: 'z\\uffff\\uffff' }),
        gteLte: await s.souls({ gte: 'posts', lte: 'users/ann' }),
        reverse: await s.souls({ reverse: true }),
        empty: await s.souls({ gte: 'b', lte: 'a' }),
        none: await s.souls({ limit: 0 }),
      }
      await s.close()
      return out
    `,
    )
    const sorted = ['Users', 'posts/1', 'users', 'users/ann', 'users/bob', 'users/\uffff', 'users0', 'z\uffff\uffff', 'z\uffff\uffffa', 'é'].sort()
    expect(got.all).toEqual(sorted)
    expect(got.prefix).toEqual(['users/ann', 'users/bob', 'users/\uffff'])
    expect(got.prefixLimit).toEqual(['users/ann', 'users/bob'])
    expect(got.prefixReverse).toEqual(['users/\uffff', 'users/bob'])
    expect(got.allFfff).toEqual(['z\uffff\uffff', 'z\uffff\uffffa'])
    expect(got.gteLte).toEqual(['posts/1', 'users', 'users/ann'])
    expect(got.reverse).toEqual([...sorted].reverse())
    expect(got.empty).toEqual([])
    expect(got.none).toEqual([])
  })

  it('a put that fails mid-transaction leaves nothing; a bad put batched with good ones fails alone', async () => {
    const got = await inPage<Record<string, unknown>>(
      page,
      `
      const s = createIndexedDbStorage({ name: 'atomic' })
      await s.put([node('kept', { v: 1 }, 1)])
      // The first node's record is written inside the transaction before the second fails to clone: all of it must go.
      const bad = () => node('bad', { f: () => 1 })
      const alone = await outcome(s.put([node('kept', { v: 2 }, 2), node('fresh', { v: 1 }), bad()]))
      const afterAlone = { kept: plain(await s.get('kept')), fresh: await s.get('fresh') === undefined, souls: await s.souls() }
      const health = s.health()
      // Three puts in one tick share a transaction; the bad one must not take the others down.
      const together = await Promise.all([outcome(s.put([node('a', { v: 1 })])), outcome(s.put([bad()])), outcome(s.put([node('b', { v: 1 })]))])
      const afterTogether = await s.souls()
      await s.close()
      return { alone, afterAlone, together, afterTogether, health }
    `,
    )
    expect(got.alone).toMatchObject({
      code: 'STORAGE',
      message: expect.stringMatching(/IndexedDB write to database 'atomic' failed, nothing of it was stored: DataCloneError/),
    })
    expect(got.afterAlone).toEqual({ kept: { v: [1, 1] }, fresh: true, souls: ['kept'] })
    expect(got.together).toEqual(['ok', expect.objectContaining({ code: 'STORAGE' }), 'ok'])
    expect(got.afterTogether).toEqual(['a', 'b', 'kept'])
    expect(got.health).toMatchObject({ ok: false, error: expect.stringMatching(/DataCloneError/) })
  })

  it('quota exceeded rejects with code QUOTA and a clear message, writes nothing, and later small writes succeed', async () => {
    // An origin (port) of its own: Chromium applies a quota override only to an origin whose storage is not open yet.
    const fresh = await serveDist()
    const origin = fresh.origin.replace(/\/$/, '')
    const quotaPage = await browser.newPage()
    const cdp = await browser.newCDPSession(quotaPage)
    // A real quota: Chromium refuses the commit with QuotaExceededError.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 300_000 })
    await quotaPage.goto(fresh.origin)
    try {
      const got = await inPage<Record<string, unknown>>(
        quotaPage,
        `
        const s = createIndexedDbStorage({ name: 'quota' })
        await s.put([node('small', { v: 1 })])
        // Random text (compression cannot shrink it) well past the quota.
        const big = Array.from({ length: 200000 }, () => Math.random().toString(36).slice(2)).join('')
        const refused = await outcome(s.put([node('small', { v: 2 }, 2), node('big', { text: big })]))
        const after = { small: plain(await s.get('small')), big: await s.get('big') === undefined }
        const health = s.health().ok
        const later = await outcome(s.put([node('small', { v: 3 }, 3)]))
        const out = { refused, after, health, later, healed: s.health().ok, small: plain(await s.get('small')) }
        await s.close()
        return out
      `,
      )
      expect(got.refused).toMatchObject({
        code: 'QUOTA',
        message: expect.stringMatching(/^IndexedDB quota exceeded in database 'quota', nothing of this write was stored/),
      })
      expect(got.after).toEqual({ small: { v: [1, 1] }, big: true })
      expect(got).toMatchObject({ health: false, later: 'ok', healed: true, small: { v: [3, 3] } })
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin })
      await quotaPage.close()
      await fresh.close()
    }
  })

  it('what a resolved put wrote, and the pending journal, are there after a reload', async () => {
    const stats = await inPage<{ commits: number; puts: number }>(
      page,
      `
      const s = createIndexedDbStorage({ name: 'reload' })
      // 200 puts at once: group commit puts them in far fewer transactions, each put resolving on its own commit.
      await Promise.all(Array.from({ length: 200 }, (_, i) => s.put([node('r/' + String(i).padStart(3, '0'), { i })])))
      await s.pending.add([{ id: 'p1', soul: 'later', key: 'k', value: { '#': 'r/001' }, state: 9e15 }, { id: 'p2', soul: 'later', key: 'j', value: 'x', state: 9e15 }])
      await s.pending.remove(['p2'])
      return s.stats()
    `,
    )
    expect(stats.puts).toBe(200)
    expect(stats.commits).toBeLessThan(200)
    await page.reload()
    const got = await inPage<Record<string, unknown>>(
      page,
      `
      const s = createIndexedDbStorage({ name: 'reload' })
      const souls = await s.souls({ prefix: 'r/' })
      const n = plain(await s.get('r/199'))
      const pending = await s.pending.list()
      await s.close()
      return { count: souls.length, first: souls[0], n, pending }
    `,
    )
    expect(got).toEqual({
      count: 200,
      first: 'r/000',
      n: { i: [199, 1] },
      pending: [{ id: 'p1', soul: 'later', key: 'k', value: { '#': 'r/001' }, state: 9e15 }],
    })
  })

  it('reads of absent souls answer at once yet never miss a stored soul: written before the index loaded, or by another tab', async () => {
    const other = await browser.newPage()
    await other.goto(files.origin)
    try {
      const early = await inPage<unknown>(
        page,
        `
        const s = createIndexedDbStorage({ name: 'known' })
        // Queued before the database is even open, so before the index of stored souls is read.
        const put = s.put([node('early', { v: 1 })])
        const seen = plain(await s.get('early'))
        await put
        globalThis.known = s
        return { seen, after: plain(await s.get('early')), absent: await s.get('never') === undefined }
      `,
      )
      // Either answer is allowed while the put is uncommitted; once it resolved the soul must be found.
      expect(early).toMatchObject({ after: { v: [1, 1] }, absent: true })
      await inPage(other, `const s = createIndexedDbStorage({ name: 'known' }); await s.put([node('from-other-tab', { v: 2 })]); await s.close()`)
      // The other tab's announcement arrives as a message: wait for it, never a fixed sleep.
      await waitUntil(
        () => page.evaluate(`globalThis.known.get('from-other-tab').then((n) => n !== undefined)`).then((found) => found === true || undefined),
        'page A reads the soul tab B wrote',
      )
      await page.evaluate('globalThis.known.close()')
    } finally {
      await other.close()
    }
  })

  it('answers many reads at once exactly: dense and sparse ranges, missing and repeated souls, several chunks', async () => {
    const wrong = await inPage<Record<string, string[]>>(
      page,
      `
      const pad = (i) => String(i).padStart(4, '0')
      const w = createIndexedDbStorage({ name: 'bulk' })
      await w.put(Array.from({ length: 3000 }, (_, i) => node('x/' + pad(i), { i })))
      await w.put([node('x/é', { i: -1 }), node('y', { i: -2 })])
      await w.close()
      // A fresh instance: no index of stored souls yet, so every read goes to IndexedDB.
      const s = createIndexedDbStorage({ name: 'bulk' })
      const expected = (soul) => soul === 'x/é' ? -1 : soul === 'y' ? -2 : soul.length === 6 && soul.startsWith('x/') && Number(soul.slice(2)) < 3000 ? Number(soul.slice(2)) : undefined
      // All reads of one case are made in the same tick, as a cold page makes them.
      const check = async (souls) => {
        const nodes = await Promise.all(souls.map((soul) => s.get(soul)))
        return souls.filter((soul, k) => nodes[k]?.get('i') !== expected(soul))
      }
      const every = Array.from({ length: 3000 }, (_, i) => 'x/' + pad(i))
      const out = {
        // Three chunks of consecutive records, asked in reverse, with absent souls between and around them.
        dense: await check([...every, 'x/0001a', 'x/9999', 'a', 'x/é', 'y', 'z'].reverse()),
        // Souls 75 apart: each range holds far more records than were asked for, so most are read one by one.
        sparse: await check([...Array.from({ length: 40 }, (_, k) => 'x/' + pad(k * 75)), 'x/0075x', 'x/é']),
        repeated: await check([...every.slice(0, 50), ...every.slice(0, 50), 'missing', 'missing']),
        few: await check(['x/0007', 'nothing', 'y']),
      }
      await s.close()
      return out
    `,
    )
    expect(wrong).toEqual({ dense: [], sparse: [], repeated: [], few: [] })
  })

  it("refuses a database of another shape (stock Gun's radata) with a message naming it", async () => {
    const got = await inPage<unknown>(
      page,
      `
      await new Promise((resolve) => {
        const r = indexedDB.open('radata', 1)
        r.onupgradeneeded = () => r.result.createObjectStore('radata')
        r.onsuccess = () => { r.result.close(); resolve() }
      })
      const s = createIndexedDbStorage({ name: 'radata' })
      const refused = { ready: await outcome(s.ready), get: await outcome(s.get('x')) }
      const after = await new Promise((resolve) => {
        const r = indexedDB.open('radata')
        r.onsuccess = () => { resolve({ version: r.result.version, stores: [...r.result.objectStoreNames] }); r.result.close() }
      })
      return { ...refused, after }
    `,
    )
    expect(got).toMatchObject({
      ready: { code: 'STORAGE', message: expect.stringMatching(/'radata' exists but is not a Trellis store/) },
      get: { code: 'STORAGE' },
      // Refused without being touched: still stock's version and stores.
      after: { version: 1, stores: ['radata'] },
    })
  })

  it('upgrades a version 1 database (before the offline queue) in place: its data stays, the unsent store is added', async () => {
    const got = await inPage<unknown>(
      page,
      `
      await new Promise((resolve) => {
        const r = indexedDB.open('schema-v1', 1)
        r.onupgradeneeded = () => { r.result.createObjectStore('nodes'); r.result.createObjectStore('pending', { keyPath: 'id' }) }
        r.onsuccess = () => {
          const tx = r.result.transaction('nodes', 'readwrite')
          tx.objectStore('nodes').put({ k: ['v'], v: ['kept'], s: [1] }, 'old')
          tx.oncomplete = () => { r.result.close(); resolve() }
        }
      })
      const s = createIndexedDbStorage({ name: 'schema-v1' })
      await s.ready
      await s.unsent.add({ id: 'w1', put: '{}' })
      const result = { value: (await s.get('old'))?.get('v'), unsent: await s.unsent.list() }
      await s.close()
      return result
    `,
    )
    expect(got).toEqual({ value: 'kept', unsent: [{ id: 'w1', put: '{}' }] })
  })
})
