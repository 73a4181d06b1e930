import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, closeStock, serve, stockGun, stockPut, until, type Served, type StockGun } from './helpers.js'
import { contentStats, decodePng } from './png.js'
import { launchChromium } from '../support/chromium.js'
import { clockPasses } from '../support/wait.js'

describe('admin UI in headless Chromium', () => {
  let s: Served
  let browser: BrowserContext
  let gun: StockGun
  beforeAll(async () => {
    s = await serve({ admin: true })
    browser = await launchChromium({ viewport: { width: 1200, height: 800 } })
    gun = stockGun([s.gunUrl])
    await call(s.base, 'PUT', '/api/v1/data/mark', { name: 'Mark', boss: { name: 'Fluffy', species: 'cat' } })
  }, 30_000)
  afterAll(async () => {
    closeStock(gun)
    await browser?.close()
    await s.close()
  })

  it('browses souls, follows a link, watches a value change live, shows peers and metrics; screenshot has real content', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    const response = await page.goto(s.base + '/')
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'")

    // Souls listed from storage.
    await page.getByTestId('soul-list').getByText('mark', { exact: true }).click()
    await page.getByTestId('node').getByText('"Mark"').waitFor()
    await page.getByTestId('live').getByText('live').waitFor()

    // Follow the link to the boss node.
    await page.getByTestId('node').getByText('→ mark/boss').click()
    await page.getByTestId('node-title').getByText('mark/boss', { exact: true }).waitFor()
    await page.getByTestId('node').getByText('"Fluffy"').waitFor()
    await page.getByTestId('live').getByText('live').waitFor()

    // A stock Gun client writes; the value and its state change on screen without a reload.
    const stateBefore = await page.locator('tr[data-key="name"] td.state').textContent()
    await clockPasses() // a later state, whatever the clock's resolution
    expect((await stockPut(gun.get('mark/boss'), { name: 'Rex' })).err).toBeUndefined()
    await page.getByTestId('node').getByText('"Rex"').waitFor({ timeout: 5000 })
    expect(await page.locator('tr[data-key="name"] td.state').textContent()).not.toBe(stateBefore)

    // Peers and key metrics (polled every 2 s): the stock client is a connected peer.
    await until(() => s.node.mesh.peers.size >= 1, 5000, 'stock peer')
    await page.waitForFunction(
      () => document.querySelectorAll('#peer-body td').length >= 4 && document.getElementById('m-peers')?.textContent === '1',
      undefined,
      { timeout: 6000 },
    )
    const rss = await page.locator('#m-rss').textContent()
    expect(rss).toMatch(/\d+(\.\d)? (kB|MB|GB)/)

    // Hostile data is shown as text, never markup.
    await call(s.base, 'PUT', '/api/v1/data/xss', { html: '<img src=x onerror="window.__pwned=1">' })
    await page.goto(s.base + '/#/soul/xss')
    await page.getByTestId('node').getByText('<img src=x', { exact: false }).waitFor()
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()

    await page.goto(s.base + '/#/soul/mark')
    await page.getByTestId('node').getByText('"Mark"').waitFor()
    const png = await page.screenshot({ fullPage: false })
    const file = process.env.ADMIN_SCREENSHOT ?? join(mkdtempSync(join(tmpdir(), 'trellis-admin-')), 'admin.png')
    writeFileSync(file, png)
    const image = decodePng(png)
    expect(image.width).toBe(1200)
    const stats = contentStats(image)
    expect(stats.colors, `screenshot at ${file}`).toBeGreaterThan(40) // text antialiasing, panels, accents
    expect(stats.nonBackground, `screenshot at ${file}`).toBeGreaterThan(0.05)
    expect(errors).toEqual([])
  }, 60_000)
})
