// Which browser store to persist to: IndexedDB (what trellis/storage/indexeddb uses) against the Origin
// Private File System with a worker's synchronous access handle (an append-only log, flushed per write),
// in Debian's Chromium.
//
//   node scripts/measure/opfs-vs-indexeddb.mjs [--writes 1000] [--records 10000]
//
// Durable writes: `--writes` one-record writes one after another, each awaited until durable (IndexedDB:
// a readwrite transaction's `complete`, durability 'strict' and the default; OPFS: `write` then
// `flush()` in a worker). Cold read: `--records` records written in one go, then read back whole by a
// fresh page (IndexedDB `getAll`; OPFS: read the file, split the lines, JSON.parse each).
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const WRITES = arg('writes', 1000)
const RECORDS = arg('records', 10_000)

// The worker: an append-only log in OPFS through a synchronous access handle.
const WORKER = `
let handle, at = 0
const enc = new TextEncoder(), dec = new TextDecoder()
onmessage = async ({ data }) => {
  if (data.op === 'open') {
    const root = await navigator.storage.getDirectory()
    const file = await root.getFileHandle(data.name, { create: true })
    handle = await file.createSyncAccessHandle()
    at = handle.getSize()
    postMessage('ok')
  } else if (data.op === 'append') {
    const bytes = enc.encode(data.line + '\\n')
    handle.write(bytes, { at }); at += bytes.length
    if (data.flush) handle.flush()
    postMessage('ok')
  } else if (data.op === 'fill') {
    let text = ''
    for (let i = 0; i < data.n; i++) text += JSON.stringify({ soul: 's/' + i, a: i, b: 'text ' + i, c: true }) + '\\n'
    const bytes = enc.encode(text)
    handle.write(bytes, { at }); at += bytes.length; handle.flush()
    postMessage('ok')
  } else if (data.op === 'readAll') {
    const buf = new Uint8Array(handle.getSize())
    handle.read(buf, { at: 0 })
    const lines = dec.decode(buf).split('\\n').filter(Boolean).map((l) => JSON.parse(l))
    postMessage(lines.length)
  } else if (data.op === 'close') { handle.close(); postMessage('ok') }
}`

const server = createServer((req, res) => {
  if (req.url === '/worker.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(WORKER)
  res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>store</title>')
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}/`
const profile = mkdtempSync(join(tmpdir(), 'opfs-idb-'))
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu'],
})
// Every page gets the same way to talk to the OPFS worker: one request, one answer.
await browser.addInitScript(() => {
  window.logWorker = () => {
    const worker = new Worker('/worker.js')
    const call = (msg) =>
      new Promise((resolve) => {
        worker.onmessage = ({ data }) => resolve(data)
        worker.postMessage(msg)
      })
    return { worker, call }
  }
})

try {
  const page = await browser.newPage()
  await page.goto(origin)
  const idbWrites = (durability) =>
    page.evaluate(
      async ([writes, durability]) => {
        const db = await new Promise((resolve, reject) => {
          const open = indexedDB.open(`w-${durability}`, 1)
          open.onupgradeneeded = () => open.result.createObjectStore('nodes')
          open.onsuccess = () => resolve(open.result)
          open.onerror = () => reject(open.error)
        })
        const t = performance.now()
        for (let i = 0; i < writes; i++) {
          await new Promise((resolve, reject) => {
            const tx = db.transaction('nodes', 'readwrite', { durability })
            tx.objectStore('nodes').put({ a: i, b: `text ${i}`, c: true }, `s/${i}`)
            tx.oncomplete = resolve
            tx.onerror = () => reject(tx.error)
          })
        }
        const ms = performance.now() - t
        db.close()
        return (writes / ms) * 1000
      },
      [WRITES, durability],
    )
  const opfsWrites = (flush) =>
    page.evaluate(
      async ([writes, flush]) => {
        const { worker, call } = window.logWorker()
        await call({ op: 'open', name: `w-${flush}` })
        const t = performance.now()
        for (let i = 0; i < writes; i++) await call({ op: 'append', line: JSON.stringify({ soul: `s/${i}`, a: i, b: `text ${i}`, c: true }), flush })
        const ms = performance.now() - t
        await call({ op: 'close' })
        worker.terminate()
        return (writes / ms) * 1000
      },
      [WRITES, flush],
    )

  const rows = []
  rows.push(['IndexedDB, strict', await idbWrites('strict')])
  rows.push(['IndexedDB, default', await idbWrites('default')])
  rows.push(['OPFS log, flush each', await opfsWrites(true)])
  rows.push(['OPFS log, no flush', await opfsWrites(false)])
  console.log(`durable one-record writes, one after another (${WRITES}):`)
  for (const [label, rate] of rows) console.log(`  ${label.padEnd(22)} ${Math.round(rate)} writes/s`)

  // Cold read: fill both stores, then a fresh page reads everything back.
  await page.evaluate(async (records) => {
    const db = await new Promise((resolve) => {
      const open = indexedDB.open('cold', 1)
      open.onupgradeneeded = () => open.result.createObjectStore('nodes')
      open.onsuccess = () => resolve(open.result)
    })
    await new Promise((resolve) => {
      const tx = db.transaction('nodes', 'readwrite')
      const store = tx.objectStore('nodes')
      for (let i = 0; i < records; i++) store.put({ a: i, b: `text ${i}`, c: true }, `s/${i}`)
      tx.oncomplete = resolve
    })
    db.close()
    const { worker, call } = window.logWorker()
    await call({ op: 'open', name: 'cold' })
    await call({ op: 'fill', n: records })
    await call({ op: 'close' })
    worker.terminate()
  }, RECORDS)
  await page.close()
  const reader = await browser.newPage()
  await reader.goto(origin)
  const cold = await reader.evaluate(async () => {
    let t = performance.now()
    const db = await new Promise((resolve) => {
      const open = indexedDB.open('cold', 1)
      open.onsuccess = () => resolve(open.result)
    })
    const all = await new Promise((resolve) => {
      const req = db.transaction('nodes').objectStore('nodes').getAll()
      req.onsuccess = () => resolve(req.result)
    })
    const idb = [performance.now() - t, all.length]
    t = performance.now()
    const { call } = window.logWorker()
    await call({ op: 'open', name: 'cold' })
    const n = await call({ op: 'readAll' })
    const opfs = [performance.now() - t, n]
    return { idb, opfs }
  })
  console.log(`cold read of ${RECORDS} records by a fresh page:`)
  console.log(`  IndexedDB getAll        ${cold.idb[0].toFixed(0)} ms (${cold.idb[1]} records)`)
  console.log(`  OPFS log, read + parse  ${cold.opfs[0].toFixed(0)} ms (${cold.opfs[1]} records, worker start included)`)
} finally {
  await browser.close()
  server.close()
  rmSync(profile, { recursive: true, force: true })
}
