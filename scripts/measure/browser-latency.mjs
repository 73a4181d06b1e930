// Write-to-listener latency between two browsers on one relay, in Debian's Chromium, side by side:
// Trellis (its relay, pages loading the relay's /gun.js) and stock Gun (its relay, pages loading
// stock's gun.js from it).
//
//   npm run build && node scripts/measure/browser-latency.mjs [--writes 300]
//
// Two isolated browser contexts (no shared storage) each load a page from the relay's origin. Page A
// writes `{ t: Date.now() }` under a fresh key of one node, one write every 10 ms; page B listens with
// `map().on()` and records `Date.now() - t` for each key the first time it hears it. Both pages read
// the same machine clock. Prints p50 / p95 / p99 / max in ms and how many writes arrived.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const require = createRequire(import.meta.url)
const i = process.argv.indexOf('--writes')
const WRITES = i === -1 ? 300 : Number(process.argv[i + 1])
const PAGE = '<!doctype html><title>latency</title><script src="/gun.js"></script>'

async function trellisRelay() {
  const { createRelay } = await import('../../dist/server/index.js')
  const relay = await createRelay({ port: 0, host: '127.0.0.1' })
  // The relay serves /gun.js; the page itself comes from a tiny server of the same origin's neighbour.
  const pages = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE.replace('/gun.js', `http://127.0.0.1:${relay.port}/gun.js`))
    res.writeHead(404).end()
  })
  await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve))
  return {
    page: `http://127.0.0.1:${pages.address().port}/`,
    peer: `http://127.0.0.1:${relay.port}/gun`,
    close: async () => {
      pages.close()
      await relay.close()
    },
  }
}

async function stockRelay() {
  const dir = mkdtempSync(join(tmpdir(), 'latency-stock-'))
  const log = console.log
  console.log = () => {}
  const Gun = require('gun')
  console.log = log
  const server = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
    // Gun's own web handler serves /gun.js (and the WebSocket at /gun).
    if (!Gun.serve(req, res)) res.writeHead(404).end()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  Gun({ web: server, file: dir, multicast: false, axe: false, stats: false })
  const origin = `http://127.0.0.1:${server.address().port}`
  return {
    page: `${origin}/`,
    peer: `${origin}/gun`,
    close: async () => {
      server.closeAllConnections?.()
      server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function measure(label, start) {
  const relay = await start()
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] })
  try {
    const [a, b] = await Promise.all([browser.newContext(), browser.newContext()])
    const [writer, reader] = await Promise.all([a.newPage(), b.newPage()])
    await Promise.all([writer.goto(relay.page), reader.goto(relay.page)])
    const node = `latency-${Date.now()}`
    const setup = ([peer, soul]) => {
      window.gun = Gun({ peers: [peer], localStorage: false })
      window.delays = []
      const seen = new Set()
      window.gun
        .get(soul)
        .map()
        .on((data, key) => {
          if (seen.has(key) || data === null || typeof data !== 'object' || typeof data.t !== 'number') return
          seen.add(key)
          window.delays.push(Date.now() - data.t)
        })
    }
    await reader.evaluate(setup, [relay.peer, node])
    await writer.evaluate(setup, [relay.peer, node])
    // One write first, until the reader hears it: both are connected and subscribed.
    await writer.evaluate((soul) => window.gun.get(soul).get('warm').put({ t: Date.now() }), node)
    await reader.waitForFunction(() => window.delays.length > 0, undefined, { timeout: 30_000 })
    await reader.evaluate(() => {
      window.delays = []
    })
    await writer.evaluate(
      ([soul, writes]) =>
        new Promise((resolve) => {
          let n = 0
          const timer = setInterval(() => {
            window.gun.get(soul).get(`k${n}`).put({ t: Date.now() })
            if (++n === writes) {
              clearInterval(timer)
              resolve()
            }
          }, 10)
        }),
      [node, WRITES],
    )
    await reader.waitForFunction((writes) => window.delays.length >= writes, WRITES, { timeout: 30_000 }).catch(() => undefined)
    const delays = (await reader.evaluate(() => window.delays)).sort((x, y) => x - y)
    const at = (q) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))]
    console.log(
      `${label.padEnd(10)} arrived ${delays.length}/${WRITES}  p50 ${at(0.5)} ms  p95 ${at(0.95)} ms  p99 ${at(0.99)} ms  max ${delays[delays.length - 1]} ms`,
    )
  } finally {
    await browser.close()
    await relay.close()
  }
}

await measure('trellis', trellisRelay)
await measure('stock Gun', stockRelay)
process.exit(0)
