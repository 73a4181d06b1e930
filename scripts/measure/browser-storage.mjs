// Browser persistence in Debian's Chromium: Trellis's IndexedDB store against stock Gun's browser storage.
//
//   npm run build && node scripts/measure/browser-storage.mjs [--sequential 1000] [--concurrent 10000] [--stock]
//
// Each case runs in a fresh Chromium profile on disk (headless, 127.0.0.1, no relay) and measures:
//   sequential  one-node puts (3 keys), each awaited (acknowledged) before the next: puts/s
//   concurrent  that many one-node puts issued at once, all acknowledged: puts/s
//   cold load   the page is reloaded, a new instance reads every one of the concurrent phase's nodes: ms
// Cases: the adapter alone (createIndexedDbStorage; durability strict, then relaxed), createDb() (the whole
// write path: chain, engine, adapter), and with --stock, stock Gun 0.2020.1241 from node_modules/gun in the
// page: gun.js with its default localStorage, then gun.js + lib/radix, radisk, store, rindexed (IndexedDB).
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { chromium } from 'playwright-core'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const SEQUENTIAL = arg('sequential', 1000)
const CONCURRENT = arg('concurrent', 10_000)
const STOCK = process.argv.includes('--stock')
const ROOT = join(import.meta.dirname, '../..')
const IMPORT_MAP = JSON.stringify({ imports: { '@noble/hashes/': '/node_modules/@noble/hashes/' } })
const STOCK_LIBS = {
  localStorage: ['gun.js'],
  rindexed: ['gun.js', 'lib/radix.js', 'lib/radisk.js', 'lib/store.js', 'lib/rindexed.js'],
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const path = normalize(decodeURIComponent(url.pathname))
  if (path === '/') {
    const libs = STOCK_LIBS[url.searchParams.get('stock') ?? ''] ?? []
    const scripts = libs.map((lib) => `<script src="/node_modules/gun/${lib}"></script>`).join('')
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><script type="importmap">${IMPORT_MAP}</script>${scripts}`)
    return
  }
  try {
    const file = path.startsWith('/node_modules/') ? join(ROOT, path) : join(ROOT, 'dist', path)
    const body = await readFile(file)
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
  } catch {
    res.writeHead(404).end()
  }
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}/`

// Page code per case: `open()` makes an instance (after a reload too), `put(i)` resolves once acknowledged, `read(i)` resolves with the node's `a`.
const CASES = {
  'adapter (strict)': adapter('strict'),
  'adapter (relaxed)': adapter('relaxed'),
  'createDb()': `
    const { createDb } = await import('/index.browser.js')
    const open = () => { const db = createDb(); return {
      put: (i) => new Promise((resolve, reject) => db.get('s/' + i).put({ a: i, b: 'text ' + i, c: true }, (ack) => ack.err ? reject(new Error(ack.err)) : resolve())),
      read: (i) => db.get('s/' + i).get('a'),
    } }`,
  ...(STOCK
    ? {
        'stock Gun, localStorage': stock(''),
        'stock Gun, rindexed (IndexedDB)': stock(', localStorage: false'),
      }
    : {}),
}

function adapter(durability) {
  return `
    const { createIndexedDbStorage } = await import('/storage/indexeddb/index.js')
    const { GraphNode } = await import('/core/node.js')
    const open = () => { const s = createIndexedDbStorage({ name: 'bench', durability: '${durability}' }); return {
      put: (i) => s.put([new GraphNode('s/' + i, ['a', 'b', 'c'], [i, 'text ' + i, true], [1, 1, 1])]),
      read: (i) => s.get('s/' + i).then((n) => n.get('a')),
    } }`
}

function stock(options) {
  // Stock acknowledges a put once its storage adapter has it (localStorage after its flush, radisk after the IndexedDB write).
  return `
    const open = () => { const gun = Gun({ peers: []${options} }); return {
      put: (i) => new Promise((resolve, reject) => gun.get('s/' + i).put({ a: i, b: 'text ' + i, c: true }, (ack) => ack.err ? reject(new Error(ack.err)) : resolve())),
      read: (i) => new Promise((resolve) => gun.get('s/' + i).get('a').once(resolve)),
    } }`
}

const PHASES = `
  const time = async (work) => { const t0 = performance.now(); await work(); return performance.now() - t0 }
  const within = (ms, work) => Promise.race([work(), new Promise((_, reject) => setTimeout(() => reject(new Error('did not finish in ' + ms / 1000 + ' s')), ms))])
`

async function runCase(name, code) {
  const profile = mkdtempSync(join(tmpdir(), 'trellis-bench-'))
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  const out = { name }
  try {
    const page = await browser.newPage()
    const stockMode = name.includes('rindexed') ? 'rindexed' : name.includes('localStorage') ? 'localStorage' : ''
    await page.goto(`${origin}?stock=${stockMode}`)
    const write = await page.evaluate(`(async () => { ${PHASES} ${code}
      const db = open()
      const r = {}
      try {
        r.sequentialMs = await within(120000, () => time(async () => { for (let i = 0; i < ${SEQUENTIAL}; i++) await db.put(1e6 + i) }))
        r.concurrentMs = await within(120000, () => time(() => Promise.all(Array.from({ length: ${CONCURRENT} }, (_, i) => db.put(i)))))
      } catch (e) { r.error = e.message }
      return r
    })()`)
    Object.assign(out, write)
    if (write.error === undefined) {
      await page.reload()
      const read = await page.evaluate(`(async () => { ${PHASES} ${code}
        const r = {}
        try {
          let wrong = 0
          r.coldLoadMs = await within(120000, () => time(async () => {
            const db = open()
            const values = await Promise.all(Array.from({ length: ${CONCURRENT} }, (_, i) => db.read(i)))
            values.forEach((v, i) => { if (v !== i) wrong++ })
          }))
          r.missing = wrong
        } catch (e) { r.error = e.message }
        return r
      })()`)
      Object.assign(out, read)
    }
  } finally {
    await browser.close()
    rmSync(profile, { recursive: true, force: true })
  }
  return out
}

const version = (
  await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] }).then(async (b) => [b.version(), await b.close()])
)[0]
console.log(`Chromium ${version}; ${SEQUENTIAL} sequential puts, ${CONCURRENT} concurrent puts, cold load of ${CONCURRENT} nodes`)
const rows = []
for (const [name, code] of Object.entries(CASES)) {
  const r = await runCase(name, code)
  rows.push({
    case: name,
    'sequential puts/s': r.sequentialMs === undefined ? '—' : Math.round(SEQUENTIAL / (r.sequentialMs / 1000)),
    'concurrent puts/s': r.concurrentMs === undefined ? '—' : Math.round(CONCURRENT / (r.concurrentMs / 1000)),
    'cold load ms': r.coldLoadMs === undefined ? '—' : Math.round(r.coldLoadMs),
    'missing after reload': r.missing ?? '—',
    error: r.error ?? '',
  })
  console.log(JSON.stringify(rows.at(-1)))
}
console.table(rows)
server.close()
