import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

/**
 * The browser entries persist by default: a page writes with `Gun()` or
 * `createDb()` (no relay), is reloaded, and reads its data back. Page code is
 * passed as strings, so the test runner never rewrites the page's imports.
 */
const PRELUDE = `
  const { default: Gun } = await import('/gun.browser.js')
  const { createDb } = await import('/index.browser.js')
  const ack = (chain, data) => new Promise((resolve) => chain.put(data, resolve))
`

const inPage = <T>(page: Page, body: string): Promise<T> => page.evaluate(`(async () => { ${PRELUDE} ${body} })()`) as Promise<T>

describe('browser entries persist to IndexedDB (Chromium)', () => {
  let files: DistServer
  let browser: BrowserContext
  beforeAll(async () => {
    files = await serveDist()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await files?.close()
  })

  const freshPage = async (): Promise<{ page: Page; errors: string[]; warnings: string[] }> => {
    const page = await browser.newPage()
    const errors: string[] = []
    const warnings: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text())
    })
    await page.goto(files.origin)
    return { page, errors, warnings }
  }

  it('Gun() and createDb(): every acknowledged write is read back after a reload', async () => {
    const { page, errors } = await freshPage()
    const acks = await inPage<unknown[]>(
      page,
      `
      const gun = Gun()
      const db = createDb()
      const out = await Promise.all([
        ack(gun.get('profile'), { name: 'Ann', address: { city: 'Oslo' } }),
        ...Array.from({ length: 50 }, (_, i) => ack(gun.get('list').get('item' + i), i)),
        ack(db.get('typed').get('ann'), { age: 42 }),
      ])
      return out
    `,
    )
    expect(acks).toHaveLength(52)
    expect(acks.every((a) => JSON.stringify(a) === JSON.stringify({ ok: true }))).toBe(true)
    await page.reload()
    const read = await inPage<Record<string, unknown>>(
      page,
      `
      const gun = Gun()
      const db = createDb()
      const items = await Promise.all(Array.from({ length: 50 }, (_, i) => gun.get('list').get('item' + i)))
      return {
        name: await gun.get('profile').get('name'),
        city: await gun.get('profile').get('address').get('city'),
        items: items.every((v, i) => v === i),
        age: await db.get('typed').get('ann').get('age'),
        databases: (await indexedDB.databases()).map((d) => d.name).sort(),
      }
    `,
    )
    expect(read).toEqual({ name: 'Ann', city: 'Oslo', items: true, age: 42, databases: ['trellis'] })
    expect(errors).toEqual([])
    await page.close()
  })

  it("options: Gun's file names the database; localStorage: false, radisk: false and indexedDb: false keep memory only", async () => {
    const { page, errors } = await freshPage()
    await inPage(
      page,
      `
      await ack(Gun({ file: 'app-data' }).get('k'), { v: 'file' })
      await ack(Gun({ localStorage: false }).get('k'), { v: 'localStorage false' })
      await ack(Gun({ radisk: false }).get('k2'), { v: 'radisk false' })
      await ack(createDb({ indexedDb: false }).get('k3'), { v: 'indexedDb false' })
      await ack(createDb({ indexedDb: 'typed-data' }).get('k'), { v: 'typed' })
    `,
    )
    await page.reload()
    const read = await inPage<Record<string, unknown>>(
      page,
      `
      return {
        file: await Gun({ file: 'app-data' }).get('k').get('v'),
        typed: await createDb({ indexedDb: 'typed-data' }).get('k').get('v'),
        memory: [await Gun().get('k').get('v'), await Gun().get('k2').get('v'), await Gun().get('k3').get('v')],
        databases: (await indexedDB.databases()).map((d) => d.name).sort(),
      }
    `,
    )
    expect(read).toEqual({ file: 'file', typed: 'typed', memory: [undefined, undefined, undefined], databases: ['app-data', 'trellis', 'typed-data'] })
    expect(errors).toEqual([])
    await page.close()
  })

  it('a write IndexedDB refuses (quota) is not acknowledged: the ack carries the error and reads keep the old value', async () => {
    const fresh = await serveDist()
    const origin = fresh.origin.replace(/\/$/, '')
    const page = await browser.newPage()
    const cdp = await browser.newCDPSession(page)
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 300_000 })
    try {
      await page.goto(fresh.origin)
      const got = await inPage<Record<string, unknown>>(
        page,
        `
        const db = createDb()
        const first = await ack(db.get('doc'), { text: 'small' })
        const big = Array.from({ length: 200000 }, () => Math.random().toString(36).slice(2)).join('')
        const refused = await ack(db.get('doc'), { text: big })
        return { first, refused, text: await db.get('doc').get('text') }
      `,
      )
      expect(got).toMatchObject({
        first: { ok: true },
        refused: { err: expect.stringMatching(/^IndexedDB quota exceeded in database 'trellis'/) },
        text: 'small',
      })
    } finally {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin })
      await page.close()
      await fresh.close()
    }
  })

  it('without IndexedDB (a sandboxed frame, where Chromium denies it) Gun() warns once and keeps working in memory', async () => {
    const { page, errors } = await freshPage()
    const base = files.origin
    const importMap = JSON.stringify({ imports: { '@noble/hashes/': `${base}node_modules/@noble/hashes/` } })
    const frame = `<!doctype html><script type="importmap">${importMap}</script><script type="module">
      const warnings = []
      console.warn = (m) => warnings.push(String(m))
      let denied
      try { indexedDB.open('probe'); denied = 'opened' } catch (e) { denied = e.name }
      const { default: Gun } = await import('${base}gun.browser.js')
      const gun = Gun()
      const acked = await new Promise((resolve) => gun.get('k').put({ v: 1 }, resolve))
      const v = await gun.get('k').get('v')
      parent.postMessage({ denied, acked, v, warnings }, '*')
    </script>`
    const got = await page.evaluate(
      `new Promise((resolve) => {
        addEventListener('message', (e) => resolve(e.data))
        const iframe = document.createElement('iframe')
        iframe.setAttribute('sandbox', 'allow-scripts')
        iframe.srcdoc = ${JSON.stringify(frame)}
        document.body.append(iframe)
      })`,
    )
    expect(got).toMatchObject({
      denied: 'SecurityError',
      acked: { ok: true },
      v: 1,
      warnings: [expect.stringMatching(/^trellis: IndexedDB is unavailable, cannot open database 'trellis': SecurityError.*keeping data in memory only/)],
    })
    expect(errors).toEqual([])
    await page.close()
  })
})
