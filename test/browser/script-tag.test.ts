import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import type { BrowserContext, Page } from 'playwright-core'
import { gunzipSync } from 'node:zlib'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Gun from '../../src/gun.node.js'
import { createRelay, createTrellisExpress, type Relay, type TrellisExpress } from '../../src/server/index.js'
import { launchChromium } from '../support/chromium.js'

/**
 * A page written for a stock Gun relay — `<script src="/gun.js">`, `<script src="/gun/sea.js">`, then
 * `Gun({ peers: [location.origin + '/gun'] })` — served beside Trellis, unchanged: an Express app serves
 * the page, Trellis (the Express adapter) serves the scripts and `/gun`, as a stock relay serves its
 * own. (The page is served from 127.0.0.1: Chromium blocks a page with no local address from dialling it.)
 */
const STOCK_PAGE = `<!doctype html><title>stock page</title>
<script src="/gun.js"></script>
<script src="/gun/sea.js"></script>
<script>window.gun = Gun({ peers: [location.origin + '/gun'] })</script>`

const BUNDLE = join(import.meta.dirname, '../../dist/browser/gun.js')

describe('the relay serves the script-tag build at /gun.js (Chromium)', () => {
  let relay: Relay
  let origin: string
  let trellis: TrellisExpress
  let site: Server
  let siteOrigin: string
  let browser: BrowserContext
  beforeAll(async () => {
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    origin = new URL(relay.url).origin
    trellis = await createTrellisExpress()
    const app = express()
    app.use(trellis.middleware)
    app.get('/stock.html', (_req, res) => {
      res.type('html').send(STOCK_PAGE)
    })
    app.get('/sea-only.html', (_req, res) => {
      res.type('html').send('<!doctype html><script src="/sea.js"></script>')
    })
    site = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server))
    })
    trellis.attach(site)
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await trellis?.close()
    site?.closeAllConnections()
    await new Promise((resolve) => site?.close(resolve))
    await relay?.close()
  })

  const pageAt = async (path: string): Promise<{ page: Page; errors: string[] }> => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${siteOrigin}${path}`)
    return { page, errors }
  }

  it('a stock page: window.Gun writes through the relay to a Node client, reads its writes, and Gun.SEA works', async () => {
    const { page, errors } = await pageAt('/stock.html')
    const fromPage = page.evaluate(`(async () => {
      const ack = await new Promise((resolve) => gun.get('script-tag').put({ said: 'hello from a script tag' }, resolve))
      const seen = await new Promise((resolve) =>
        gun.get('from-node').get('said').on((value) => { if (value === 'hello from node') resolve(value) }))
      const pair = await Gun.SEA.pair()
      const verified = await Gun.SEA.verify(await Gun.SEA.sign({ in: 'script tag' }, pair), pair.pub)
      return { ack, seen, verified, keys: Object.keys(pair).sort() }
    })()`) as Promise<unknown>
    const node = Gun({ peers: [`${siteOrigin}/gun`], radisk: false })
    try {
      const said = await new Promise((resolve) =>
        node
          .get('script-tag')
          .get('said')
          .on((value) => {
            if (value === 'hello from a script tag') resolve(value)
          }),
      )
      expect(said).toBe('hello from a script tag')
      node.get('from-node').put({ said: 'hello from node' })
      expect(await fromPage).toEqual({
        ack: { ok: true },
        seen: 'hello from node',
        verified: { in: 'script tag' },
        keys: ['epriv', 'epub', 'priv', 'pub'],
      })
      expect(errors).toEqual([])
    } finally {
      await node.close()
      await page.close()
    }
  })

  it('/sea.js without a Gun.SEA on the page fails with a message that says what to load', async () => {
    const { page, errors } = await pageAt('/sea-only.html')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/load \/gun\.js before \/sea\.js/)
    await page.close()
  })

  it('/gun.js is the build, gzipped when accepted, revalidated by ETag (304), with its source map', async () => {
    const built = await readFile(BUNDLE)
    const plain = await fetch(`${origin}/gun.js`, { headers: { 'accept-encoding': 'identity' } })
    expect(plain.status).toBe(200)
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(plain.headers.get('cache-control')).toBe('public, no-cache')
    expect(Buffer.from(await plain.arrayBuffer()).equals(built)).toBe(true)
    const etag = plain.headers.get('etag') ?? ''
    expect(etag).toMatch(/^"[\w-]+"$/)

    // fetch() decodes gzip itself; inject() shows the bytes on the wire.
    const zipped = await fetch(`${origin}/gun/gun.js`, { headers: { 'accept-encoding': 'gzip' } })
    expect(zipped.headers.get('vary')).toBe('accept-encoding')
    expect(zipped.headers.get('etag')).not.toBe(etag)
    expect(Buffer.from(await zipped.arrayBuffer()).equals(built)).toBe(true)
    expect(gunzipSync(await relay.app.inject({ url: '/gun.js', headers: { 'accept-encoding': 'gzip' } }).then((r) => r.rawPayload)).equals(built)).toBe(true)

    for (const tag of [etag, zipped.headers.get('etag') ?? '']) {
      const again = await fetch(`${origin}/gun.js`, { headers: { 'if-none-match': tag } })
      expect(again.status).toBe(304)
    }
    const map = await fetch(`${origin}/gun.js.map`)
    expect(map.status).toBe(200)
    expect((await map.json()) as { sources: string[] }).toMatchObject({ version: 3 })
    expect(built.toString().trimEnd().endsWith('//# sourceMappingURL=gun.js.map')).toBe(true)
  })

  it('a relay with browserScript: false leaves /gun.js to the app (404)', async () => {
    const bare = await createRelay({ port: 0, host: '127.0.0.1', browserScript: false })
    try {
      expect((await fetch(`${new URL(bare.url).origin}/gun.js`)).status).toBe(404)
      expect((await fetch(`${new URL(bare.url).origin}/sea.js`)).status).toBe(404)
    } finally {
      await bare.close()
    }
  })
})
