// Trellis's script-tag build against stock Gun in the same Chromium, as a page uses each: persisted puts/s,
// cold load after a reload, and the bytes a page downloads (gzipped).
//
//   npm run build && node scripts/measure/browser-vs-stock.mjs [--n 10000] [--window 100] [--budget 60] [--runs 1]
//
// Cases (each in a fresh Chromium profile on disk, headless, pages from 127.0.0.1, no relay, no peers):
//   trellis         dist/browser/gun.js; Gun() — its default persistence, IndexedDB (acked once committed)
//   stock, ls       node_modules/gun/gun.js; Gun({ peers: [] }) — its default persistence, localStorage
//   stock, idb      gun.js + lib/radix.js, radisk.js, store.js, rindexed.js; Gun({ peers: [], localStorage: false })
// Puts: n one-node puts ({ a: i, b: 'text i', c: true } at soul s/i), `window` in flight, the next issued when
// one is acknowledged (put's callback; a second ack of the same put is ignored). A case stops at n acked or
// after `budget` seconds, whichever is first, and reports what it got: acked puts and acked/elapsed.
// Cold load: the page is reloaded; the harness, as the page's last script, opens a new instance at once and
// reads back every acknowledged node (all reads issued together, each value checked). Reported: ms from
// navigation start (performance.now(), so loading and parsing the library count) until the last value
// arrived, with its own budget; the page's part of it (navigation start until the harness runs, the
// library's scripts loaded and run: no implementation's reads can start earlier); and the read phase alone: from just before the new instance is made (so a
// store read whole at startup, as stock's localStorage is, counts) to the last value. Runs alternate the
// cases' order.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { cpus, loadavg, release, totalmem, tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const N = arg('n', 10_000)
const WINDOW = arg('window', 100)
const BUDGET_MS = arg('budget', 60) * 1000
const RUNS = arg('runs', 1)
const ROOT = join(import.meta.dirname, '../..')

const CASES = {
  trellis: { scripts: ['/dist/browser/gun.js'], options: '' },
  'stock, localStorage': { scripts: ['/node_modules/gun/gun.js'], options: '{ peers: [] }' },
  'stock, rindexed (IndexedDB)': {
    scripts: ['gun.js', 'lib/radix.js', 'lib/radisk.js', 'lib/store.js', 'lib/rindexed.js'].map((f) => `/node_modules/gun/${f}`),
    options: '{ peers: [], localStorage: false }',
  },
}

// The page's harness: window.benchWrite(n, window, budgetMs) for the put phase; on a load with a read job in
// sessionStorage (set before the reload), the cold load runs at once and leaves its result in window.benchRead.
const HARNESS = (options) => `
(() => {
  const open = () => Gun(${options})
  const job = sessionStorage.getItem('bench-read')
  if (job !== null) {
    sessionStorage.removeItem('bench-read')
    const { indexes, budgetMs } = JSON.parse(job)
    const started = performance.now()
    const gun = open()
    let left = indexes.length, wrong = 0, answered = 0
    const done = (timedOut) => { window.benchRead = { loadMs: performance.now(), readMs: performance.now() - started, pageMs: started, answered, wrong, timedOut } }
    const timer = setTimeout(() => done(true), budgetMs)
    if (left === 0) { clearTimeout(timer); done(false) }
    for (const i of indexes) {
      let seen = false
      gun.get('s/' + i).get('a').once((value) => {
        if (seen) return
        seen = true
        answered++
        if (value !== i) wrong++
        if (--left === 0) { clearTimeout(timer); done(false) }
      })
    }
    return
  }
  window.benchWrite = (n, inFlight, budgetMs) => new Promise((resolve) => {
    const gun = open()
    const acked = []
    const ackedSet = new Set()
    let next = 0, errors = 0, firstError, finished = false
    const started = performance.now()
    const finish = (timedOut) => {
      if (finished) return
      finished = true
      resolve({ ms: performance.now() - started, acked, errors, firstError, issued: next, timedOut })
    }
    const timer = setTimeout(() => finish(true), budgetMs)
    const issue = () => {
      if (next >= n || finished) return
      const i = next++
      gun.get('s/' + i).put({ a: i, b: 'text ' + i, c: true }, (ack) => {
        if (ackedSet.has(i) || finished) return
        ackedSet.add(i)
        if (ack && ack.err) { errors++; firstError ??= String(ack.err) } else acked.push(i)
        if (ackedSet.size === n) { clearTimeout(timer); finish(false) } else issue()
      })
    }
    for (let k = 0; k < inFlight; k++) issue()
  })
})()`

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const path = normalize(decodeURIComponent(url.pathname))
  const which = CASES[url.searchParams.get('case') ?? '']
  if (path === '/' && which !== undefined) {
    const tags = [...which.scripts, `/harness.js?case=${encodeURIComponent(url.searchParams.get('case'))}`].map((s) => `<script src="${s}"></script>`)
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(`<!doctype html><title>bench</title>${tags.join('')}`)
    return
  }
  if (path === '/harness.js' && which !== undefined) {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(HARNESS(which.options))
    return
  }
  if (path.startsWith('/dist/browser/') || path.startsWith('/node_modules/gun/')) {
    try {
      const body = await readFile(join(ROOT, path))
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(body)
      return
    } catch {}
  }
  res.writeHead(404).end()
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}/`

async function runCase(name) {
  const profile = mkdtempSync(join(tmpdir(), 'trellis-bench-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  })
  try {
    const page = await context.newPage()
    const errors = []
    page.on('pageerror', (error) => errors.push(error.message))
    await page.goto(`${origin}?case=${encodeURIComponent(name)}`)
    const write = await page.evaluate(([n, w, b]) => window.benchWrite(n, w, b), [N, WINDOW, BUDGET_MS])
    // Let a stock instance's pending flush timers run out before the reload, as a user closing a tab would not;
    // only acknowledged puts are read back, so this cannot help a case, only keep the reload from racing a write.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 500)))
    await page.evaluate(([indexes, budgetMs]) => sessionStorage.setItem('bench-read', JSON.stringify({ indexes, budgetMs })), [write.acked, BUDGET_MS])
    await page.reload()
    await page.waitForFunction(() => window.benchRead !== undefined, undefined, { timeout: BUDGET_MS + 30_000, polling: 100 })
    const read = await page.evaluate(() => window.benchRead)
    return { name, write, read, pageErrors: errors }
  } finally {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  }
}

const gzipBytes = (files) => files.reduce((total, file) => total + gzipSync(readFileSync(join(ROOT, file))).length, 0)
const bundles = Object.fromEntries(Object.entries(CASES).map(([name, { scripts }]) => [name, gzipBytes(scripts)]))

const chromiumVersion = await chromium
  .launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] })
  .then(async (browser) => [browser.version(), await browser.close()][0])
console.log(
  JSON.stringify({
    chromium: chromiumVersion,
    cpu: cpus()[0].model,
    cores: cpus().length,
    memoryGiB: +(totalmem() / 1024 ** 3).toFixed(1),
    kernel: release(),
    node: process.version,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
    n: N,
    window: WINDOW,
    budgetS: BUDGET_MS / 1000,
  }),
)

const results = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]))
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? Object.keys(CASES) : Object.keys(CASES).reverse()
  for (const name of order) {
    const r = await runCase(name)
    results[name].push(r)
    const { write, read } = r
    console.log(
      JSON.stringify({
        run: run + 1,
        case: name,
        acked: write.acked.length,
        errors: write.errors,
        firstError: write.firstError,
        writeMs: Math.round(write.ms),
        writeTimedOut: write.timedOut,
        putsPerS: Math.round(write.acked.length / (write.ms / 1000)),
        readBack: read.answered,
        wrong: read.wrong,
        coldLoadMs: Math.round(read.loadMs),
        readMs: Math.round(read.readMs),
        pageMs: Math.round(read.pageMs),
        readTimedOut: read.timedOut,
        pageErrors: r.pageErrors.slice(0, 3),
      }),
    )
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}
const rows = Object.entries(results).map(([name, runs]) => {
  const rate = median(runs.map(({ write }) => write.acked.length / (write.ms / 1000)))
  const acked = median(runs.map(({ write }) => write.acked.length))
  const load = median(runs.map(({ read }) => read.loadMs))
  const readPhase = median(runs.map(({ read }) => read.readMs))
  const pageReady = median(runs.map(({ read }) => read.pageMs))
  const timedOut = runs.some(({ write }) => write.timedOut)
  const readTimedOut = runs.some(({ read }) => read.timedOut)
  return {
    case: name,
    'acked puts (of n)': `${acked}${timedOut ? ` in ${BUDGET_MS / 1000} s budget` : ''}`,
    'puts/s': Math.round(rate),
    'cold load ms (nodes)': `${Math.round(load)} (${median(runs.map(({ read }) => read.answered))}${readTimedOut ? ', budget hit' : ''})`,
    'page ready ms': Math.round(pageReady),
    'read phase ms': Math.round(readPhase),
    'wrong or missing after reload': runs.reduce((total, { write, read }) => total + read.wrong + (write.acked.length - read.answered), 0),
    'gzip bytes': bundles[name],
  }
})
console.table(rows)
const [trellis, ...stock] = rows
for (const other of stock) {
  const rateRatio = trellis['puts/s'] / other['puts/s']
  const loadRatio = Number.parseInt(other['cold load ms (nodes)'], 10) / Number.parseInt(trellis['cold load ms (nodes)'], 10)
  const readRatio = other['read phase ms'] / trellis['read phase ms']
  console.log(
    `trellis / ${other.case}: puts/s ×${rateRatio.toFixed(1)}; cold load ${trellis['cold load ms (nodes)']} against ${other['cold load ms (nodes)']} ms (nodes) = ×${loadRatio.toFixed(1)}, read phase ×${readRatio.toFixed(1)}; gzip bytes ×${(trellis['gzip bytes'] / other['gzip bytes']).toFixed(2)}`,
  )
}
server.close()
