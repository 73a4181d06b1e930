import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { type AppServer, serveApp } from '../support/app-server.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'
import { buildExample } from '../support/examples.js'

/**
 * The todo app built on Trellis and a page running stock Gun (`gun.js` from the `gun` package, in
 * its own browser) share one todo list through a Trellis relay, both ways: items added on either
 * side show on the other, and an edit made in the app reaches the stock page.
 */
describe('examples/todo and a stock Gun page, through a Trellis relay', () => {
  let dist: string
  let relay: Relay
  let app: AppServer
  let stockFiles: DistServer
  let appBrowser: BrowserContext
  let stockBrowser: BrowserContext
  let todo: Page
  let stock: Page

  beforeAll(async () => {
    const built = await buildExample('todo')
    dist = built.dist
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    app = await serveApp(dist, 'todo', relay.port)
    stockFiles = await serveDist({ '/stock/': join(import.meta.dirname, '../../node_modules/gun') })
    ;[appBrowser, stockBrowser] = await Promise.all([launchChromium(), launchChromium()])
    todo = await appBrowser.newPage()
    await todo.goto(`${app.origin}examples/todo/`)
    await todo.getByRole('status', { name: 'Sync status' }).and(todo.locator('[data-state="synced"]')).waitFor()
    stock = await stockBrowser.newPage()
    await stock.goto(stockFiles.origin)
    await stock.addScriptTag({ url: '/stock/gun.js' })
    // Stock Gun's page: every todo it hears, by key, as the app's list holds them.
    await stock.evaluate((peer) => {
      const scope = window as unknown as { Gun: (options: object) => unknown; gun: unknown; todos: Record<string, unknown> }
      scope.todos = {}
      const gun = scope.Gun({ peers: [peer], localStorage: false }) as {
        get(key: string): { map(): { on(cb: (data: unknown, key: string) => void): void } }
      }
      scope.gun = gun
      gun
        .get('todos')
        .map()
        .on((data, key) => {
          scope.todos[key] = data
        })
    }, `ws://127.0.0.1:${relay.port}/gun`)
  }, 90_000)

  afterAll(async () => {
    await appBrowser?.close()
    await stockBrowser?.close()
    await app?.close()
    await stockFiles?.close()
    await relay?.close()
    if (dist !== undefined) rmSync(dist, { recursive: true, force: true })
  })

  /** The stock page's todo titled `title`, once it has it. */
  const stockTodo = (title: string) =>
    stock.waitForFunction((wanted) => {
      const todos = (window as unknown as { todos: Record<string, { title?: string; done?: boolean } | null> }).todos
      return Object.values(todos).find((item) => item?.title === wanted) ?? false
    }, title)

  it('a todo added on the stock page shows in the app', async () => {
    await stock.evaluate(() => {
      const gun = (window as unknown as { gun: { get(key: string): { set(data: object): void } } }).gun
      gun.get('todos').set({ title: 'from stock', done: false })
    })
    await todo.getByRole('listitem').filter({ hasText: 'from stock' }).waitFor()
  })

  it('a todo added and ticked in the app reaches the stock page', async () => {
    await todo.getByRole('textbox', { name: 'New todo' }).fill('from trellis')
    await todo.getByRole('textbox', { name: 'New todo' }).press('Enter')
    expect(await (await stockTodo('from trellis')).jsonValue()).toMatchObject({ title: 'from trellis', done: false })

    await todo.getByRole('listitem').filter({ hasText: 'from trellis' }).getByRole('checkbox').click()
    await stock.waitForFunction(() => {
      const todos = (window as unknown as { todos: Record<string, { title?: string; done?: boolean } | null> }).todos
      return Object.values(todos).some((item) => item?.title === 'from trellis' && item.done === true)
    })
  })
})
