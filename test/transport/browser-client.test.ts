import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Gun from '../../src/gun.node.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

describe('trellis/gun in a real browser (Debian Chromium)', () => {
  let relay: Relay
  let files: DistServer
  let browser: BrowserContext
  beforeAll(async () => {
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    files = await serveDist()
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await files?.close()
    await relay?.close()
  })

  it('the browser entry loads without Node built-ins, syncs both ways through the relay', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(files.origin)
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
    const node = Gun({ peers: [relay.url], radisk: false })
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
    const origin = files.origin
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
