import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Gun from '../../src/gun.node.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { launchChromium } from '../support/chromium.js'

const DIST = join(import.meta.dirname, '../../dist')
const MODULES = join(import.meta.dirname, '../../node_modules')
/** The one npm dependency of the browser entry (SHA-256 for SEA), mapped as a bundler would resolve it. */
const IMPORT_MAP = JSON.stringify({ imports: { '@noble/hashes/': '/node_modules/@noble/hashes/' } })

/** Serves the built ES modules as a browser would load them (no bundler, an import map), plus an empty page. */
function serveDist(): Promise<Server> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]))
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>trellis</title><script type="importmap">${IMPORT_MAP}</script>`)
      return
    }
    try {
      const body = path.startsWith('/node_modules/@noble/hashes/')
        ? await readFile(join(MODULES, path.slice('/node_modules/'.length)))
        : await readFile(join(DIST, path))
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

describe('trellis/gun in a real browser (Debian Chromium)', () => {
  let relay: Relay
  let files: Server
  let browser: BrowserContext
  beforeAll(async () => {
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    files = await serveDist()
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    files?.close()
    await relay?.close()
  })

  it('the browser entry loads without Node built-ins, syncs both ways through the relay', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${(files.address() as AddressInfo).port}/`)
    // The page writes, then waits to see a value written from Node.
    // A string, so that the test runner does not rewrite the page's dynamic import.
    const script = `(async () => {
      const { default: Gun } = await import('/gun.browser.js')
      const gun = Gun({ peers: [${JSON.stringify(relay.url)}] })
      const ack = await new Promise((resolve) => gun.get('browser').put({ said: 'hello from chromium' }, resolve))
      const seen = await new Promise((resolve) =>
        gun.get('node').get('said').on((value) => { if (value === 'hello from node') resolve(value) }))
      const pair = await Gun.SEA.pair()
      const sea = await Gun.SEA.verify(await Gun.SEA.sign({ in: 'chromium' }, pair), pair.pub)
      return { ack, seen, sea }
    })()`
    const fromBrowser = page.evaluate(script) as Promise<unknown>
    const node = Gun({ peers: [relay.url] })
    try {
      const said = await new Promise((resolve) =>
        node
          .get('browser')
          .get('said')
          .on((value) => {
            if (value === 'hello from chromium') resolve(value)
          }),
      )
      expect(said).toBe('hello from chromium')
      node.get('node').put({ said: 'hello from node' })
      const result = await fromBrowser
      expect(result).toEqual({ ack: { ok: true }, seen: 'hello from node', sea: { in: 'chromium' } })
      expect(errors).toEqual([])
    } finally {
      await node.close()
    }
  }, 30_000)

  it('SEA users in the browser: create, auth, a signed write, and recall from sessionStorage across a reload', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const origin = `http://127.0.0.1:${(files.address() as AddressInfo).port}/`
    await page.goto(origin)
    const alias = `web${Date.now().toString(36)}`
    const first = (await page.evaluate(`(async () => {
      const { default: Gun } = await import('/gun.browser.js')
      const gun = Gun({ peers: [${JSON.stringify(relay.url)}] })
      const user = gun.user()
      user.recall({ sessionStorage: true })
      const created = await new Promise((r) => user.create(${JSON.stringify(alias)}, 'a long password', r))
      const login = await new Promise((r) => user.auth(${JSON.stringify(alias)}, 'a long password', r))
      const ack = await new Promise((r) => user.get('said').put('hello from a browser user', r))
      return { created: created.err ?? 'ok', pub: login.pub, ack, saved: sessionStorage.getItem('pair') !== null }
    })()`)) as { created: string; pub: string; ack: unknown; saved: boolean }
    expect(first).toMatchObject({ created: 'ok', ack: { ok: true }, saved: true })
    await page.reload()
    const second = (await page.evaluate(`(async () => {
      const { default: Gun } = await import('/gun.browser.js')
      const gun = Gun({ peers: [${JSON.stringify(relay.url)}] })
      const user = gun.user()
      const recalled = await new Promise((r) => user.recall({ sessionStorage: true }, r))
      return { pub: recalled.pub, said: await user.get('said') }
    })()`)) as { pub: string; said: unknown }
    expect(second).toEqual({ pub: first.pub, said: 'hello from a browser user' })
    expect(errors).toEqual([])
    await page.close()
  }, 30_000)
})
