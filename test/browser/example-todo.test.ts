import { rmSync } from 'node:fs'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { type AppServer, serveApp } from '../support/app-server.js'
import { launchChromium } from '../support/chromium.js'
import { buildExample } from '../support/examples.js'

/**
 * examples/todo, built with its own Vite config, in two Chromium profiles on one relay: edits in
 * one show in the other; edits made offline (and kept across an offline reload) reach the other
 * once back online, none lost or doubled.
 *
 * Offline is made real twice over: `context.setOffline(true)` (the browser's view: fetch fails,
 * `navigator.onLine` is false) and the origin's `/gun` tunnel cut (Chromium's offline emulation
 * does not close a WebSocket already open, so the app would otherwise stay connected).
 */
describe('examples/todo in Chromium', () => {
  let dist: string
  let relay: Relay
  let serverA: AppServer
  let serverB: AppServer
  let browserA: BrowserContext
  let browserB: BrowserContext
  let a: Page
  let b: Page
  const errors: string[] = []

  beforeAll(async () => {
    const built = await buildExample('todo')
    expect(built.warnings).toEqual([])
    dist = built.dist
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    serverA = await serveApp(dist, 'todo', relay.port)
    serverB = await serveApp(dist, 'todo', relay.port)
    ;[browserA, browserB] = await Promise.all([launchChromium(), launchChromium()])
    a = await open(browserA, serverA)
    b = await open(browserB, serverB)
  }, 90_000)
  afterAll(async () => {
    await browserA?.close()
    await browserB?.close()
    await serverA?.close()
    await serverB?.close()
    await relay?.close()
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true })
  })

  async function open(browser: BrowserContext, server: AppServer): Promise<Page> {
    const page = await browser.newPage()
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${server.origin}examples/todo/`)
    await page.getByRole('status', { name: 'Sync status' }).and(page.locator('[data-state="synced"]')).waitFor()
    return page
  }

  const titles = (page: Page) => page.getByRole('listitem').locator('span').allTextContents()
  const add = async (page: Page, title: string) => {
    await page.getByRole('textbox', { name: 'New todo' }).fill(title)
    await page.getByRole('textbox', { name: 'New todo' }).press('Enter')
    await page.getByRole('listitem').filter({ hasText: title }).waitFor()
  }
  const item = (page: Page, title: string) => page.getByRole('listitem').filter({ has: page.getByText(title, { exact: true }) })

  it('a todo added in one browser appears in the other', async () => {
    await add(a, 'buy milk')
    await item(b, 'buy milk').waitFor()
    expect(await titles(b)).toEqual(['buy milk'])
    expect(await item(b, 'buy milk').getByRole('checkbox').isChecked()).toBe(false)
    expect(errors).toEqual([])
  })

  it('add, toggle, rename and delete offline, reload offline, then reconnect: the other browser sees every edit', async () => {
    for (const title of ['walk dog', 'call mum']) await add(a, title)
    await expect.poll(() => titles(b)).toEqual(['buy milk', 'walk dog', 'call mum'])
    // The service worker must hold the app's files before the network goes.
    await a.waitForFunction(() => navigator.serviceWorker.controller !== null)

    await browserA.setOffline(true)
    serverA.cut()
    await a.locator('[data-state="offline"]').waitFor()
    await add(a, 'water plants')
    // A controlled checkbox: it shows the stored value once the write is applied, not on the click itself.
    await item(a, 'buy milk').getByRole('checkbox').click()
    await expect.poll(() => item(a, 'buy milk').getByRole('checkbox').isChecked()).toBe(true)
    await item(a, 'walk dog').getByRole('button', { name: 'Edit walk dog' }).click()
    await a.getByRole('textbox', { name: 'Rename walk dog' }).fill('walk the dog')
    await a.getByRole('textbox', { name: 'Rename walk dog' }).press('Enter')
    await item(a, 'call mum').getByRole('button', { name: 'Delete call mum' }).click()
    const offlineView = ['buy milk', 'walk the dog', 'water plants']
    await expect.poll(() => titles(a)).toEqual(offlineView)
    // Nothing reached the other browser.
    expect(await titles(b)).toEqual(['buy milk', 'walk dog', 'call mum'])

    await a.reload()
    await item(a, 'water plants').waitFor()
    expect(await titles(a)).toEqual(offlineView)
    expect(await item(a, 'buy milk').getByRole('checkbox').isChecked()).toBe(true)
    await a.locator('[data-state="offline"]').waitFor()
    expect(await titles(b)).toEqual(['buy milk', 'walk dog', 'call mum'])

    await browserA.setOffline(false)
    serverA.restore()
    await expect.poll(() => titles(b), { timeout: 20_000 }).toEqual(offlineView)
    expect(await item(b, 'buy milk').getByRole('checkbox').isChecked()).toBe(true)
    expect(await item(b, 'water plants').getByRole('checkbox').isChecked()).toBe(false)
    await a.locator('[data-state="synced"]').waitFor()
    expect(await titles(a)).toEqual(offlineView)
    expect(errors).toEqual([])
  })
})
