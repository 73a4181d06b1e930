import { readFileSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { build, createLogger } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { bounded, createAppDir, REPO } from '../support/bundler-app.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

interface Renders {
  rows: Record<string, number>
  list: number
  node: number
}

/**
 * trellis/react's hooks in a page built by Vite (production React, as an app ships it) and run
 * in Chromium: useMap re-renders only the row that changed (a memo row per key counts its
 * renders), useNode skips deliveries with the same values, useNodeSuspense suspends until the
 * first read, useSyncStatus follows db.syncStatus and useUser the account.
 */
describe('trellis/react hooks in Chromium', () => {
  const dir = createAppDir('trellis-react-hooks-', {
    'main.js': readFileSync(join(import.meta.dirname, 'fixtures/react-hooks-app.js'), 'utf8'),
    'index.html': '<!doctype html><title>hooks</title><div id="root"></div><script type="module" src="./main.js"></script>',
  })
  for (const name of ['react', 'react-dom']) symlinkSync(join(REPO, 'node_modules', name), join(dir, 'node_modules', name), 'dir')
  const warnings: string[] = []
  const errors: string[] = []
  let relay: Relay
  let files: DistServer
  let browser: BrowserContext
  let page: Page

  beforeAll(async () => {
    const logger = createLogger('warn', { allowClearScreen: false })
    logger.warn = (message) => warnings.push(message)
    logger.warnOnce = (message) => warnings.push(message)
    logger.info = () => {}
    // vitest sets NODE_ENV=test; an app ships React's production build, whose render counts these are.
    const nodeEnv = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      await bounded(
        build({ configFile: false, root: dir, base: './', logLevel: 'warn', customLogger: logger, build: { outDir: 'dist', reportCompressedSize: false } }),
        'vite build',
      )
    } finally {
      process.env.NODE_ENV = nodeEnv
    }
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    files = await serveDist({ '/app/': join(dir, 'dist') })
    browser = await launchChromium()
    page = await browser.newPage()
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${files.origin}app/index.html?relay=${encodeURIComponent(relay.url)}`)
    await page.waitForFunction('window.app !== undefined')
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await files?.close()
    await relay?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const run = (code: string) => page.evaluate(`(async () => { ${code} })()`)
  const renders = () => page.evaluate('window.app.renders') as Promise<Renders>
  const rows = () => page.locator('#list li').evaluateAll((items) => items.map((item) => [item.getAttribute('data-key'), item.textContent]))
  const put = (path: string, data: unknown) => run(`await new Promise((done) => app.db.path(${JSON.stringify(path)}).put(${JSON.stringify(data)}, done))`)

  it('builds without warnings', () => {
    expect(warnings).toEqual([])
  })

  it('useMap: rows in key order; a change, a delete or an unchanged re-put renders no other row', async () => {
    for (const key of ['c', 'a', 'b']) await put(`items/${key}`, { title: key.toUpperCase() })
    await expect.poll(rows).toEqual([
      ['a', 'A'],
      ['b', 'B'],
      ['c', 'C'],
    ])
    expect((await renders()).rows).toEqual({ a: 1, b: 1, c: 1 })

    await put('items/b', { title: 'B2' })
    await expect.poll(rows).toEqual([
      ['a', 'A'],
      ['b', 'B2'],
      ['c', 'C'],
    ])
    expect((await renders()).rows).toEqual({ a: 1, b: 2, c: 1 })

    // The same values again (a newer state): no row renders. The next change is the sync point.
    await put('items/a', { title: 'A' })
    await put('items/c', { title: 'C2' })
    await expect.poll(rows).toEqual([
      ['a', 'A'],
      ['b', 'B2'],
      ['c', 'C2'],
    ])
    expect((await renders()).rows).toEqual({ a: 1, b: 2, c: 2 })

    await put('items', { b: null })
    await put('items/ab', { title: 'AB' })
    await expect.poll(rows).toEqual([
      ['a', 'A'],
      ['ab', 'AB'],
      ['c', 'C2'],
    ])
    expect((await renders()).rows).toEqual({ a: 1, ab: 1, b: 2, c: 2 })
    expect(errors).toEqual([])
  })

  it('useNode: follows the node, and does not re-render for a delivery with the same values', async () => {
    await expect.poll(() => page.locator('#node').textContent()).toBe('(none)')
    await put('profile', { name: 'Ann' })
    await expect.poll(() => page.locator('#node').textContent()).toBe('Ann')
    const before = (await renders()).node
    await put('profile', { name: 'Ann' })
    await put('items/d', { title: 'D' }) // sync point: the list shows it after the profile's delivery
    await expect.poll(() => page.locator('#list li[data-key="d"]').count()).toBe(1)
    expect((await renders()).node).toBe(before)
    await put('profile', { name: 'Bo' })
    await expect.poll(() => page.locator('#node').textContent()).toBe('Bo')
    expect((await renders()).node).toBe(before + 1)
  })

  it('useNodeSuspense: shows the first read (nothing there), then follows the node live', async () => {
    await expect.poll(() => page.locator('#lazy').textContent()).toBe('missing')
    await put('lazy', { v: 'here' })
    await expect.poll(() => page.locator('#lazy').textContent()).toBe('here')
  })

  it("useSyncStatus: the database's own status, live", async () => {
    await expect.poll(() => page.locator('#local-status').textContent()).toBe('synced')
    await expect.poll(() => page.locator('#relay-status').textContent()).toBe('synced')
    await expect.poll(() => page.locator('#unreachable-status').textContent()).toBe('offline')
  })

  it('useUser: create and auth through the hook log in; leave logs out', async () => {
    await expect.poll(() => page.locator('#user').textContent()).toBe('anonymous')
    const created = await run(`return app.account.create('ann', 'correct horse battery')`)
    expect(created).toMatchObject({ pub: expect.any(String) })
    const authed = await run(`return app.account.auth('ann', 'correct horse battery')`)
    expect(authed).not.toHaveProperty('err')
    await expect.poll(() => page.locator('#user').textContent()).toBe('ann')
    expect(await run('return app.account.pub === app.db.user().is.pub')).toBe(true)
    await run('app.account.leave()')
    await expect.poll(() => page.locator('#user').textContent()).toBe('anonymous')
    const wrong = await run(`return app.account.auth('ann', 'wrong password!')`)
    expect(wrong).toHaveProperty('err')
    expect(errors).toEqual([])
  })
})
