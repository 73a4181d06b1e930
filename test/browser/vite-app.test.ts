import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import { build, createLogger, type Rolldown } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { APP_MAIN, bounded, createAppDir, notBrowserCode, REPO, SYNCED, syncThroughRelay } from '../support/bundler-app.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

/**
 * An app's own bundler: a tiny Vite app importing `trellis/gun` and `trellis`, built with Vite's
 * defaults (the package's `browser` export conditions pick the code), must need no Node polyfills
 * and print no warning (stock Gun's bundler issues #1209 and #1265), and must then talk to a relay
 * from Chromium.
 */
describe('a Vite app importing trellis/gun (vite build, then Chromium)', () => {
  const dir = createAppDir('trellis-vite-app-', {
    'main.js': APP_MAIN,
    'index.html': '<!doctype html><title>vite app</title><script type="module" src="./main.js"></script>',
  })
  const warnings: string[] = []
  let modules: string[] = []
  let code = ''
  let relay: Relay
  let files: DistServer
  let browser: BrowserContext

  beforeAll(async () => {
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
  }, 90_000)
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
    expect(notBrowserCode(modules, dir)).toEqual([])
    expect(code).not.toMatch(/__vite-browser-external|\bfrom\s*["']node:|require\(["']/)
  })

  it('the built app puts and gets through a relay', async () => {
    const { result, errors } = await syncThroughRelay(browser, `${files.origin}app/index.html`, relay.url, 'vite')
    expect(result).toEqual(SYNCED)
    expect(errors).toEqual([])
  })
})
