import { rmSync } from 'node:fs'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { type AppServer, serveApp } from '../support/app-server.js'
import { launchChromium } from '../support/chromium.js'
import { buildExample } from '../support/examples.js'

/**
 * examples/chat, built with its own Vite config, in two Chromium profiles on one relay: each signs
 * up (SEA accounts), a message sent in one shows as a list item in the other, and each sees the
 * other online (presence heartbeats).
 */
describe('examples/chat in Chromium', () => {
  let dist: string
  let relay: Relay
  let server: AppServer
  let browsers: BrowserContext[] = []
  let pages: Page[] = []
  const errors: string[] = []

  beforeAll(async () => {
    const built = await buildExample('chat')
    expect(built.warnings).toEqual([])
    dist = built.dist
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    server = await serveApp(dist, 'chat', relay.port)
    browsers = await Promise.all([launchChromium(), launchChromium()])
    pages = await Promise.all(
      browsers.map(async (browser) => {
        const page = await browser.newPage()
        page.on('pageerror', (error) => errors.push(error.message))
        await page.goto(`${server.origin}examples/chat/`)
        return page
      }),
    )
  }, 90_000)
  afterAll(async () => {
    for (const browser of browsers) await browser.close()
    await server?.close()
    await relay?.close()
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true })
  })

  async function signUp(page: Page, alias: string) {
    await page.getByRole('textbox', { name: 'Alias' }).fill(alias)
    await page.getByLabel('Password').fill(`${alias} has a long password`)
    await page.getByRole('button', { name: 'Sign up' }).click()
    await page.getByRole('textbox', { name: 'Message' }).waitFor()
  }

  it('signs up in both browsers, and each sees the other online', async () => {
    await signUp(pages[0], 'ann')
    await signUp(pages[1], 'bob')
    for (const page of pages) await page.getByRole('complementary', { name: 'Online' }).filter({ hasText: /ann/ }).filter({ hasText: /bob/ }).waitFor()
    expect(errors).toEqual([])
  })

  it('a message sent in one browser appears as a list item in the other', async () => {
    const [ann, bob] = pages
    await ann.getByRole('textbox', { name: 'Message' }).fill('hello bob')
    await ann.getByRole('button', { name: 'Send' }).click()
    await bob.getByRole('listitem').filter({ hasText: 'hello bob' }).waitFor()
    await bob.getByRole('textbox', { name: 'Message' }).fill('hi ann')
    await bob.getByRole('textbox', { name: 'Message' }).press('Enter')
    await ann.getByRole('listitem').filter({ hasText: 'hi ann' }).waitFor()
    for (const page of pages) {
      const said = await page
        .getByRole('list', { name: 'Messages' })
        .getByRole('listitem')
        .evaluateAll((items) => items.map((item) => `${item.querySelector('b')?.textContent}: ${item.querySelector('span')?.textContent}`))
      expect(said).toEqual(['ann: hello bob', 'bob: hi ann'])
    }
    expect(errors).toEqual([])
  })
})
