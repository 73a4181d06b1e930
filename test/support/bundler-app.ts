import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import Gun from '../../src/gun.node.js'

/** The checkout whose dist/ an app's bundler sees as the installed `trellis` package. */
export const REPO = join(import.meta.dirname, '../..')

/** The tiny app every bundler test builds: the entries a browser app imports, handed to the page as `window.app`. */
export const APP_MAIN = `import Gun from 'trellis/gun'
import { createDb } from 'trellis'
import { SEA } from 'trellis/sea'
import { createIndexedDbStorage } from 'trellis/storage/indexeddb'
window.app = { Gun, createDb, SEA, createIndexedDbStorage }
`

/** A temp project with `files` and node_modules/trellis linked to this checkout, as `npm install trellis` would give it. */
export function createAppDir(prefix: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(REPO, join(dir, 'node_modules', 'trellis'), 'dir')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bundler-app', private: true, type: 'module' }))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

/**
 * The bundled files that a browser app must not contain: anything but the app's own, trellis's
 * browser-safe dist/ (not server, cli, `*.node.js` or the Node-only log store) and @noble/hashes
 * (SEA's one dependency). A Node built-in, `ws` or server code shows up here by its path.
 */
export function notBrowserCode(files: Iterable<string>, appDir: string): string[] {
  const dist = join(REPO, 'dist/')
  return [...files].filter(
    (file) =>
      !file.startsWith('\0vite/') &&
      !file.startsWith(appDir) &&
      !(file.startsWith(dist) && !/\/(server|cli)\/|\.node\.js$|\/storage\/log\//.test(file)) &&
      !/\/node_modules\/@noble\/hashes\//.test(file),
  )
}

/** Bundlers print where they fail; a build that hangs fails here instead of holding the suite. */
export function bounded<T>(work: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)
  })
  return Promise.race([work, limit]).finally(() => clearTimeout(timer))
}

/**
 * Open the built app's page, then: the page writes through the relay and a Node client sees it, Node
 * writes and the page sees it, `createDb` acknowledges a local write, `Gun.SEA` is there (and is
 * `trellis/sea`'s, one copy in the bundle).
 * Returns what the page saw and its errors.
 */
export async function syncThroughRelay(
  browser: BrowserContext,
  pageUrl: string,
  relayUrl: string,
  tag: string,
): Promise<{ result: unknown; errors: string[] }> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  const node = Gun({ peers: [relayUrl], radisk: false })
  try {
    await page.goto(pageUrl)
    await page.waitForFunction('window.app !== undefined', undefined, { timeout: 10_000 })
    // A string, so that the test runner does not rewrite the page's code.
    const fromPage = page.evaluate(`(async () => {
      const gun = app.Gun({ peers: [${JSON.stringify(relayUrl)}] })
      const ack = await new Promise((resolve) => gun.get(${JSON.stringify(`${tag}-page`)}).put({ said: 'hello from the page' }, resolve))
      const seen = await new Promise((resolve) =>
        gun.get(${JSON.stringify(`${tag}-node`)}).get('said').on((value) => { if (value === 'hello from node') resolve(value) }))
      const db = app.createDb({ indexedDb: false })
      const local = await new Promise((resolve) => db.get('typed').put({ n: 1 }, resolve))
      return { ack, seen, local, sea: typeof app.Gun.SEA.pair, oneSea: app.SEA === app.Gun.SEA, idb: typeof app.createIndexedDbStorage }
    })()`) as Promise<unknown>
    await new Promise((resolve) =>
      node
        .get(`${tag}-page`)
        .get('said')
        .on((value) => {
          if (value === 'hello from the page') resolve(value)
        }),
    )
    node.get(`${tag}-node`).put({ said: 'hello from node' })
    return { result: await fromPage, errors }
  } finally {
    await node.close()
    await page.close()
  }
}

/** What `syncThroughRelay` returns when everything worked. */
export const SYNCED = { ack: { ok: true }, seen: 'hello from node', local: { ok: true }, sea: 'function', oneSea: true, idb: 'function' }
