import { rmSync } from 'node:fs'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import webpack, { type Module, type Stats } from 'webpack'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { APP_MAIN, bounded, createAppDir, notBrowserCode, REPO, SYNCED, syncThroughRelay } from '../support/bundler-app.js'
import { launchChromium } from '../support/chromium.js'
import { type DistServer, serveDist } from '../support/dist-server.js'

/**
 * The same tiny app as vite-app.test.ts, built by webpack 5 in production mode with no config
 * beyond entry and output: webpack 5 dropped Node polyfills, so anything Node-only in the browser
 * entries would show as an error or a warning here (stock Gun's #1209).
 */
function compile(dir: string): Promise<Stats> {
  const compiler = webpack({ mode: 'production', context: dir, entry: './main.js', output: { path: join(dir, 'dist'), filename: 'app.js' } })
  return new Promise((resolve, reject) =>
    compiler.run((error, stats) => {
      compiler.close(() => (error !== null || stats === undefined ? reject(error ?? new Error('webpack gave no stats')) : resolve(stats)))
    }),
  )
}

/** The files of every module bundled; a concatenated (scope-hoisted) module stands for the modules inside it. */
function bundledFiles(stats: Stats): string[] {
  const files: string[] = []
  const visit = (module: Module) => {
    // webpack does not export ConcatenatedModule's class; it is the module with inner `modules`.
    const inner = (module as { modules?: Iterable<Module> }).modules
    if (inner !== undefined) for (const each of inner) visit(each)
    else files.push(module.nameForCondition() ?? module.identifier())
  }
  for (const module of stats.compilation.modules) visit(module)
  return files
}

describe('a webpack app importing trellis/gun (webpack 5, then Chromium)', () => {
  const dir = createAppDir('trellis-webpack-app-', {
    'main.js': APP_MAIN,
    'dist/index.html': '<!doctype html><title>webpack app</title><script src="./app.js"></script>',
  })
  let stats: Stats
  let relay: Relay
  let files: DistServer
  let browser: BrowserContext

  beforeAll(async () => {
    stats = await bounded(compile(dir), 'webpack build')
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

  it('builds with no warnings or errors, from the browser entries only', () => {
    const { warnings, errors } = stats.toJson({ all: false, warnings: true, errors: true })
    expect((warnings ?? []).map((w) => w.message)).toEqual([])
    expect((errors ?? []).map((e) => e.message)).toEqual([])
    const bundled = bundledFiles(stats)
    expect(bundled).toContain(join(REPO, 'dist/gun.browser.js'))
    expect(bundled).toContain(join(REPO, 'dist/index.browser.js'))
    expect(notBrowserCode(bundled, dir)).toEqual([])
  })

  it('the built app puts and gets through a relay', async () => {
    const { result, errors } = await syncThroughRelay(browser, `${files.origin}app/index.html`, relay.url, 'webpack')
    expect(result).toEqual(SYNCED)
    expect(errors).toEqual([])
  })
})
