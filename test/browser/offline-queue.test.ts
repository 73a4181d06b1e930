import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.node.js'
import { freePort, type RelayProcess, startRelayProcess } from '../server/processes.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'
import { waitUntil } from '../support/wait.js'

/**
 * The offline queue survives a reload: writes made while offline are kept in
 * IndexedDB, shown after a reload, resent once the browser is back online,
 * and the sync status says so throughout.
 *
 * What makes it honest: Chromium's `context.setOffline(true)` blocks new
 * connections but does NOT close a WebSocket already open (a write made then
 * is still acked by the relay: checked below), so the relay is SIGKILLed to
 * force a real disconnect, and stays down until the page is back online.
 * A page cannot load while offline either, so page loads are served by the
 * test from the dist server through `context.route` (what a service worker's
 * cache does for a real offline app); the WebSocket is not routed, so it
 * stays offline.
 */
const PRELUDE = `const { createDb } = await import('/index.browser.js');`
const inPage = <T>(page: Page, body: string): Promise<T> => page.evaluate(`(async () => { ${PRELUDE} ${body} })()`) as Promise<T>

/** Records in the page's offline queue (the `unsent` object store of database `name`). */
const queued = (page: Page, name: string) =>
  page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('${name}')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const count = open.result.transaction('unsent').objectStore('unsent').count()
      count.onsuccess = () => { resolve(count.result); open.result.close() }
    }
  })`) as Promise<number>

describe('offline queue across reloads (Chromium, relay in a process)', () => {
  let files: DistServer
  let browser: BrowserContext
  let relay: RelayProcess | undefined
  beforeAll(async () => {
    files = await serveDist()
    // A page served through `route` has no address, so Chromium counts it as public and would refuse its
    // WebSocket to 127.0.0.1 (Local Network Access); a real page and relay on one host have no such problem.
    browser = await launchChromium({ args: ['--disable-features=LocalNetworkAccessChecks'] })
  })
  afterAll(async () => {
    await relay?.kill()
    await browser?.close()
    await files?.close()
  })

  it('writes made offline survive a reload, reach the relay once online, exactly once; the status never says synced before', async () => {
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'offline-queue-'))
    relay = await startRelayProcess(port, dataDir)
    const url = relay.url
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(files.origin)
    const open = `window.db = createDb({ peers: ['${url}'], indexedDb: 'offline' }); window.statuses = [db.syncStatus]; db.onSyncStatus((s) => statuses.push(s))`

    // Online: a write is acked by the relay, and the status comes to 'synced'.
    const first = await inPage<unknown>(page, `${open}; return new Promise((resolve) => db.get('todo').put({ first: 'online' }, resolve))`)
    expect(first).toEqual({ ok: true })
    await waitUntil(async () => (await page.evaluate('db.syncStatus')) === 'synced', 'synced while online')

    // setOffline alone: the open WebSocket still carries writes (so offline emulation alone would prove nothing).
    await browser.setOffline(true)
    expect(await inPage(page, `return new Promise((resolve) => db.get('todo').put({ second: 'socket still open' }, resolve))`)).toEqual({ ok: true })

    // A real disconnect: the relay dies; the page sees it.
    await relay.kill()
    relay = undefined
    await waitUntil(async () => (await page.evaluate('db.syncStatus')) === 'offline', 'status offline once the relay is gone')

    // Offline writes: five items of a set, queued durably.
    await inPage(page, `for (let i = 0; i < 5; i++) db.get('list').set({ n: i })`)
    // Each set() is a few writes (the item, the link to it): every one waiting is in the queue.
    const waiting = (await page.evaluate('db.pending')) as number
    expect(waiting).toBeGreaterThanOrEqual(5)
    await waitUntil(async () => (await queued(page, 'offline')) === waiting, 'every waiting write in the offline queue')

    // Reload while still offline (the page itself served as from a cache).
    await browser.route('**/*', async (route) => {
      const response = await fetch(route.request().url())
      await route.fulfill({ status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) })
    })
    await page.reload()
    // Which sockets the page opens while the browser's 'online' event is being dispatched (window.event): the
    // proof that coming back online redials at once rather than when the backoff runs out.
    await page.evaluate(
      `window.dialledOnOnline = 0; { const Native = WebSocket; window.WebSocket = class extends Native { constructor(...args) { super(...args); if (window.event?.type === 'online') dialledOnOnline++ } } }`,
    )
    expect(await page.evaluate('navigator.onLine')).toBe(false)
    const reloaded = await inPage<{ status: string; items: number[] }>(
      page,
      `${open}
       const list = await db.get('list').read()
       const items = await Promise.all(Object.keys(list.data).filter((k) => k !== '_').map((k) => db.get('list').get(k).get('n').read()))
       return { status: db.syncStatus, items: items.map((r) => r.data).sort() }`,
    )
    expect(reloaded).toEqual({ status: 'offline', items: [0, 1, 2, 3, 4] })
    // Once the queue is read, its writes count as waiting: still offline, never synced.
    await waitUntil(async () => (await page.evaluate('db.pending')) === waiting, 'the queued writes counted as pending after the reload')
    expect(await page.evaluate('db.syncStatus')).toBe('offline')
    expect(await queued(page, 'offline')).toBe(waiting)

    // Back online: the relay restarts on the same address, the browser goes online, the queue drains.
    relay = await startRelayProcess(port, dataDir)
    await browser.setOffline(false)
    await waitUntil(async () => (await page.evaluate('db.syncStatus')) === 'synced', 'synced once back online', 20_000)
    expect(await page.evaluate('statuses')).toEqual(['offline', 'syncing', 'synced'])
    expect(await page.evaluate('dialledOnOnline')).toBe(1)
    expect(await queued(page, 'offline')).toBe(0)

    // The relay has them, exactly once: read by a Node client.
    const node = createDb<{ list: Record<string, { n: number }>; todo: Record<string, string> }>({ peers: [url], indexedDb: false })
    try {
      const list = (await node.get('list').read()).data as Record<string, unknown>
      const keys = Object.keys(list).filter((k) => k !== '_')
      expect(keys).toHaveLength(5)
      const ns = await Promise.all(keys.map(async (k) => (await node.get('list').get(k).get('n').read()).data))
      expect(ns.sort()).toEqual([0, 1, 2, 3, 4])
      expect((await node.get('todo').read()).data).toMatchObject({ first: 'online', second: 'socket still open' })
    } finally {
      await node.close()
    }
    expect(errors).toEqual([])
    await browser.unroute('**/*')
    await page.close()
  })
})
