import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.node.js'
import { freePort, type RelayProcess, startRelayProcess } from '../server/processes.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'
import { waitUntil } from '../support/wait.js'

/**
 * Leader election: tabs of one database hold one relay connection between
 * them (Web Locks), the others write and read through the leader tab, and
 * when the leader tab closes another takes over. The relay's own count of
 * its connections (`trellis_peers{kind="incoming"}` on /metrics) is the
 * witness of how many sockets the tabs hold.
 */
const PRELUDE = `const { createDb } = await import('/index.browser.js');`
const inPage = <T>(page: Page, body: string): Promise<T> => page.evaluate(`(async () => { ${PRELUDE} ${body} })()`) as Promise<T>

/** Counts the sockets a page opens in `window.sockets` (the browser entry looks WebSocket up when it connects). */
const countSockets = (page: Page) =>
  page.evaluate(
    `window.sockets = 0; { const Native = WebSocket; window.WebSocket = class extends Native { constructor(...args) { super(...args); sockets++ } } }`,
  )

type Schema = { doc: Record<string, string>; server: Record<string, string> }

describe('one relay connection for all tabs (Chromium, relay in a process)', () => {
  let files: DistServer
  let browser: BrowserContext
  let relay: RelayProcess
  beforeAll(async () => {
    files = await serveDist()
    browser = await launchChromium()
    relay = await startRelayProcess(await freePort(), undefined)
  })
  afterAll(async () => {
    await relay?.kill()
    await browser?.close()
    await files?.close()
  })

  const connections = async () => {
    const text = await (await fetch(relay.url.replace(/\/gun$/, '/metrics'))).text()
    const line = text.split('\n').find((l) => l.startsWith('trellis_peers{kind="incoming"}'))
    return Number(line?.split(' ').pop())
  }

  it('only the leader tab connects; a follower writes and reads through it; a new leader takes over when it closes', async () => {
    const errors: string[] = []
    const open = async () => {
      const page = await browser.newPage()
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(files.origin)
      await countSockets(page)
      await inPage(
        page,
        `window.db = createDb({ peers: ['${relay.url}'], indexedDb: 'leader' }); window.heard = []; db.get('doc').get('v').on((v) => heard.push(v))`,
      )
      return page
    }
    const node = createDb<Schema>({ peers: [relay.url], indexedDb: false })
    try {
      await new Promise((resolve) => node.get('server').put({ greeting: 'from the relay' }, resolve))
      const a = await open()
      await waitUntil(async () => (await a.evaluate('db.syncStatus')) === 'synced', 'tab A synced')
      const b = await open()
      await waitUntil(async () => (await b.evaluate('db.syncStatus')) === 'synced', 'tab B synced (through A)')
      // One socket for both tabs (A's), plus the Node client's.
      expect(await connections()).toBe(2)
      expect([await a.evaluate('sockets'), await b.evaluate('sockets')]).toEqual([1, 0])

      // The follower's write is acked by the relay, through the leader; the leader's listener heard it.
      expect(await inPage(b, `return new Promise((resolve) => db.get('doc').put({ v: 'from B' }, resolve))`)).toEqual({ ok: true })
      // The change reaches A on the database's channel, the ack on the leader's: two channels, no order between them.
      await waitUntil(async () => ((await inPage(a, `return heard`)) as unknown[]).includes('from B'), "the leader's listener hears B's write")
      expect((await node.get('doc').read()).data).toMatchObject({ v: 'from B' })

      // The follower reads what only the relay has, through the leader.
      expect(await inPage(b, `return (await db.get('server').get('greeting').read()).data`)).toBe('from the relay')

      // A write on the relay reaches both tabs' listeners (B's through A).
      await new Promise((resolve) => node.get('doc').put({ v: 'from the relay' }, resolve))
      for (const page of [a, b])
        await waitUntil(async () => ((await page.evaluate('heard')) as unknown[]).includes('from the relay'), 'both tabs hear the relay')

      // The leader closes: B takes over, with a socket of its own, and still writes and hears.
      await a.close()
      await waitUntil(async () => (await b.evaluate('sockets')) === 1 && (await b.evaluate('db.syncStatus')) === 'synced', 'B leads with its own socket')
      await waitUntil(async () => (await connections()) === 2, "the relay sees A's socket go and B's come")
      expect(await inPage(b, `return new Promise((resolve) => db.get('doc').put({ v: 'B leads' }, resolve))`)).toEqual({ ok: true })
      await new Promise((resolve) => node.get('doc').put({ v: 'relay again' }, resolve))
      await waitUntil(async () => ((await b.evaluate('heard')) as unknown[]).includes('relay again'), 'the new leader hears the relay')
      expect((await node.get('doc').read()).data).toMatchObject({ v: 'relay again' })
      expect(errors).toEqual([])
      await b.close()
    } finally {
      await node.close()
    }
  })

  it("a follower's write made while the relay is down is delivered by whoever leads once it is back, the leader having closed meanwhile", async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}/gun`
    const pages: Page[] = []
    for (let i = 0; i < 2; i++) {
      const page = await browser.newPage()
      await page.goto(files.origin)
      await countSockets(page)
      await inPage(page, `window.db = createDb({ peers: ['${url}'], indexedDb: 'leader-down' })`)
      pages.push(page)
    }
    const [a, b] = pages
    await inPage(b, `window.acked = new Promise((resolve) => db.get('note').put({ text: 'written by the follower while down' }, resolve))`)
    await waitUntil(
      async () => (await b.evaluate('db.pending')) === 1 && (await b.evaluate('db.syncStatus')) === 'offline',
      'the follower write waits, offline',
    )
    await waitUntil(async () => ((await a.evaluate('sockets')) as number) >= 1, 'the leader dials')
    expect(await b.evaluate('sockets')).toBe(0)
    await a.close()
    const back = await startRelayProcess(port, undefined)
    try {
      expect(await b.evaluate('acked')).toEqual({ ok: true })
      await waitUntil(async () => (await b.evaluate('db.syncStatus')) === 'synced', 'the former follower synced')
      const node = createDb<{ note: Record<string, string> }>({ peers: [url], indexedDb: false })
      try {
        expect((await node.get('note').read()).data).toMatchObject({ text: 'written by the follower while down' })
      } finally {
        await node.close()
      }
    } finally {
      await b.close()
      await back.kill()
    }
  })
})
