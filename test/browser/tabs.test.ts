import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../server/processes.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'
import { waitUntil } from '../support/wait.js'

/**
 * Tabs of one origin share a database live: two pages of one browser
 * context, a write in one fires the other's `on()` listener, with no relay
 * configured, or with a relay configured that is not running (so nothing can
 * have come through a relay). Page code is passed as strings.
 */
const PRELUDE = `
  const { default: Gun } = await import('/gun.browser.js')
  const { createDb } = await import('/index.browser.js')
`
const inPage = <T>(page: Page, body: string): Promise<T> => page.evaluate(`(async () => { ${PRELUDE} ${body} })()`) as Promise<T>

describe('tabs share live changes over BroadcastChannel (Chromium)', () => {
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

  const twoTabs = async () => {
    const errors: string[] = []
    const open = async () => {
      const page = await browser.newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(files.origin)
      return page
    }
    return { a: await open(), b: await open(), errors }
  }

  /** Both tabs open `make` (page code returning a db), B listens on chat/last, each keeps what its listener heard. */
  const listenInBoth = async (a: Page, b: Page, make: string) => {
    for (const page of [a, b]) {
      await inPage(page, `window.db = ${make}; window.heard = []; db.get('chat').get('last').on((v) => heard.push(v))`)
    }
  }
  const heard = (page: Page) => page.evaluate('window.heard') as Promise<unknown[]>

  for (const [label, relay] of [
    ['no relay', false],
    ['relay configured but down', true],
  ] as const) {
    it(`createDb(): a write in tab A fires tab B's on() listener, and back (${label})`, async () => {
      const { a, b, errors } = await twoTabs()
      const peers = relay ? `['http://127.0.0.1:${await freePort()}/gun']` : '[]'
      const name = `tabs-${relay ? 'down' : 'none'}`
      await listenInBoth(a, b, `createDb({ indexedDb: '${name}', peers: ${peers} })`)
      await inPage(a, `db.get('chat').put({ last: 'from A' })`)
      await waitUntil(async () => (await heard(b)).includes('from A'), 'tab B hears tab A')
      await inPage(b, `db.get('chat').put({ last: 'from B' })`)
      await waitUntil(async () => (await heard(a)).includes('from B'), 'tab A hears tab B')
      // Nothing loops: each tab heard each value once.
      await waitUntil(async () => (await heard(b)).includes('from B'), 'tab B hears its own write')
      expect(await heard(a)).toEqual(['from A', 'from B'])
      expect(await heard(b)).toEqual(['from A', 'from B'])
      if (relay) expect(await a.evaluate('db.syncStatus')).toBe('offline')
      expect(errors).toEqual([])
      await a.close()
      await b.close()
    })
  }

  it('Gun(): tabs share by database (`file`); other databases and indexedDb: false do not hear', async () => {
    const { a, b, errors } = await twoTabs()
    await inPage(a, `window.gun = Gun({ file: 'tabs-gun' }); window.other = createDb({ indexedDb: 'tabs-other' }); window.mem = createDb({ indexedDb: false })`)
    await inPage(
      b,
      `window.gun = Gun({ file: 'tabs-gun' }); window.heard = []
       gun.get('doc').get('v').on((v) => heard.push(v))
       for (const db of [createDb({ indexedDb: 'tabs-elsewhere' }), createDb({ indexedDb: false })]) db.get('doc').get('v').on((v) => heard.push('wrong: ' + v))`,
    )
    await inPage(a, `other.get('doc').put({ v: 'other db' }); mem.get('doc').put({ v: 'memory' }); gun.get('doc').put({ v: 'shared' })`)
    await waitUntil(async () => (await heard(b)).includes('shared'), 'tab B hears the shared database')
    // The two other writes were issued first, and the channel delivers in order: had they been heard, they would be here.
    expect(await heard(b)).toEqual(['shared'])
    expect(errors).toEqual([])
    await a.close()
    await b.close()
  })
})
