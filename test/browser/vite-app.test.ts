import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { build, createLogger, type Rolldown } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Gun from '../../src/gun.node.js'
import { createRelay, type Relay } from '../../src/server/index.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

/**
 * An app's own bundler: a tiny Vite app importing `trellis/gun` and `trellis`, built with Vite's
 * defaults (the package's `browser` export conditions pick the code), must need no Node polyfills
 * and print no warning (stock Gun's bundler issues #1209 and #1265), and must then talk to a relay
 * from Chromium. Builds `dist/` of this checkout as installed: node_modules/trellis → the repo.
 */
const REPO = join(import.meta.dirname, '../..')
const BUILD_TIMEOUT_MS = 60_000

const MAIN = `import Gun from 'trellis/gun'
import { createDb } from 'trellis'
window.app = { Gun, createDb }
`
const INDEX = '<!doctype html><title>vite app</title><script type="module" src="./main.js"></script>'

/** Vite's build, failing past a bound instead of hanging the suite. */
function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${BUILD_TIMEOUT_MS} ms`)), BUILD_TIMEOUT_MS)
  })
  return Promise.race([work, limit]).finally(() => clearTimeout(timer))
}

describe('a Vite app importing trellis/gun (vite build, then Chromium)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-vite-app-'))
  const warnings: string[] = []
  let modules: string[] = []
  let code = ''
  let relay: Relay
  let files: DistServer
  let browser: BrowserContext

  beforeAll(async () => {
    mkdirSync(join(dir, 'node_modules'))
    symlinkSync(REPO, join(dir, 'node_modules', 'trellis'), 'dir')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'vite-app', private: true, type: 'module' }))
    writeFileSync(join(dir, 'main.js'), MAIN)
    writeFileSync(join(dir, 'index.html'), INDEX)
    const logger = createLogger('warn', { allowClearScreen: false })
    logger.warn = (message) => warnings.push(message)
    logger.warnOnce = (message) => warnings.push(message)
    logger.error = (message) => warnings.push(`error: ${message}`)
    logger.info = () => {} // build progress, not a finding
    const output = (await bounded(
      build({
        configFile: false,
        root: dir,
        base: './',
        customLogger: logger,
        build: { outDir: 'dist', reportCompressedSize: false, rolldownOptions: { onwarn: (warning) => void warnings.push(warning.message) } },
      }),
      'vite build',
    )) as Rolldown.RolldownOutput
    const chunks = output.output.filter((item): item is Rolldown.OutputChunk => item.type === 'chunk')
    modules = chunks.flatMap((chunk) => chunk.moduleIds)
    code = chunks.map((chunk) => chunk.code).join('\n')
    relay = await createRelay({ port: 0, host: '127.0.0.1' })
    files = await serveDist({ '/app/': join(dir, 'dist') })
    browser = await launchChromium()
  }, BUILD_TIMEOUT_MS + 30_000)
  afterAll(async () => {
    await browser?.close()
    await files?.close()
    await relay?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('builds with no warnings, from the browser entries only: no Node built-ins, no ws, no server code', () => {
    expect(warnings).toEqual([])
    expect(modules).toContain(join(REPO, 'dist/gun.browser.js'))
    expect(modules).toContain(join(REPO, 'dist/index.browser.js'))
    const foreign = modules.filter(
      (id) =>
        !id.startsWith('\0vite/') &&
        !id.startsWith(dir) &&
        !(id.startsWith(join(REPO, 'dist/')) && !/\/(server|cli)\/|\.node\.js$|\/storage\/log\//.test(id)) &&
        !/\/node_modules\/@noble\/hashes\//.test(id),
    )
    expect(foreign).toEqual([])
    expect(code).not.toMatch(/__vite-browser-external|\bfrom\s*["']node:|require\(["']/)
  })

  it('the built app puts and gets through a relay', async () => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`${files.origin}app/index.html`)
    await page.waitForFunction('window.app !== undefined', undefined, { timeout: 10_000 })
    const fromPage = page.evaluate(`(async () => {
      const gun = app.Gun({ peers: [${JSON.stringify(relay.url)}] })
      const ack = await new Promise((resolve) => gun.get('vite-app').put({ said: 'hello from a vite app' }, resolve))
      const seen = await new Promise((resolve) =>
        gun.get('vite-node').get('said').on((value) => { if (value === 'hello from node') resolve(value) }))
      const db = app.createDb({ indexedDb: false })
      const local = await new Promise((resolve) => db.get('typed').put({ n: 1 }, resolve))
      return { ack, seen, local, sea: typeof app.Gun.SEA.pair }
    })()`) as Promise<unknown>
    const node = Gun({ peers: [relay.url] })
    try {
      const said = await new Promise((resolve) =>
        node
          .get('vite-app')
          .get('said')
          .on((value) => {
            if (value === 'hello from a vite app') resolve(value)
          }),
      )
      expect(said).toBe('hello from a vite app')
      node.get('vite-node').put({ said: 'hello from node' })
      expect(await fromPage).toEqual({ ack: { ok: true }, seen: 'hello from node', local: { ok: true }, sea: 'function' })
      expect(errors).toEqual([])
    } finally {
      await node.close()
      await page.close()
    }
  })
})
