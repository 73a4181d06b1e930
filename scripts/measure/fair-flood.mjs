// Fairness under a GET flood, measured against a real relay process on 127.0.0.1.
//
//   npm run build && node scripts/measure/fair-flood.mjs [--seconds 10] [--keys 100000] [--gets 20] [--data] [--limits JSON] [--mode gets|puts]
//
// --mode puts: the flooder sends frames of `--gets` puts of a `--keys`-key node instead (two frames outstanding).
//
// --limits: mesh limits for the relay, e.g. '{"peerKeysPerSecond":1e12,"peerCharsPerSecond":1e15}' (no budget).
//
// One raw WebSocket client (in a worker thread, so its reading does not delay the measuring loop)
// floods frames of `--gets` GETs of one `--keys`-key node, keeping two such frames outstanding; a
// well-behaved client meanwhile writes one key at a time (next put 2 ms after the ack) and records
// how long each ack took. Prints p50/p99/max of those acks, how many flood GETs were fully answered,
// and the relay's RSS. Bounded in time (--seconds, plus seeding); everything on 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'
import WebSocket from 'ws'
import { startRelay } from './relay.mjs'

const open = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })

if (!isMainThread) {
  // ---- the flooder ----
  const { url, gets, chunks, soul, mode, keys } = workerData
  if (mode === 'puts') {
    // Put flood: `gets` puts of a `keys`-key node per frame (fresh states each time), two frames outstanding.
    let stop = false
    let acked = 0
    let frame = 0
    const ws = await open(url)
    const S = Date.now()
    const send = () => {
      const f = ++frame
      const msgs = []
      for (let i = 0; i < gets; i++) {
        const node = { _: { '#': `${soul}-${i}`, '>': {} } }
        for (let k = 0; k < keys; k++) {
          node[`key${k}`] = `value ${f}`
          node._['>'][`key${k}`] = S + f
        }
        msgs.push({ '#': `fp${f}-${i}`, put: { [`${soul}-${i}`]: node } })
      }
      ws.send(JSON.stringify(msgs.length === 1 ? msgs[0] : msgs))
    }
    const text = (d) => d.toString()
    let pending = 0
    ws.on('message', (data) => {
      for (const _m of text(data).matchAll(/"@":"fp\d+-\d+"/g)) {
        acked++
        if (++pending % gets === 0 && !stop) send()
      }
    })
    send()
    send()
    parentPort.once('message', () => {
      stop = true
      ws.terminate()
      parentPort.postMessage({ answered: acked, reconnects: 0, bytes: 0 })
    })
  } else {
    let frame = 0
    let stop = false
    const remaining = new Map() // get id → chunks still to come
    const outstanding = new Map() // frame → GETs not fully answered
    let answered = 0
    let reconnects = 0
    let bytes = 0
    const pattern = /"@":"fl(\d+)-(\d+)"/g
    const run = async () => {
      while (!stop) {
        const ws = await open(url)
        remaining.clear()
        outstanding.clear()
        const send = () => {
          const f = ++frame
          const msgs = []
          for (let i = 0; i < gets; i++) {
            msgs.push({ '#': `fl${f}-${i}`, get: { '#': soul } })
            remaining.set(`fl${f}-${i}`, chunks)
          }
          outstanding.set(f, gets)
          ws.send(JSON.stringify(msgs))
        }
        ws.on('message', (data) => {
          const text = data.toString()
          bytes += text.length
          for (const m of text.matchAll(pattern)) {
            const id = `fl${m[1]}-${m[2]}`
            const left = remaining.get(id)
            if (left === undefined) continue
            if (left > 1) remaining.set(id, left - 1)
            else {
              remaining.delete(id)
              answered++
              const f = Number(m[1])
              const n = outstanding.get(f) - 1
              if (n > 0) outstanding.set(f, n)
              else {
                outstanding.delete(f)
                if (!stop) send()
              }
            }
          }
        })
        const closed = new Promise((r) => ws.once('close', r))
        send()
        send()
        const code = await Promise.race([closed, new Promise((r) => parentPort.once('message', () => ((stop = true), r('stop'))))])
        if (code === 'stop') {
          ws.terminate()
          break
        }
        reconnects++
      }
      parentPort.postMessage({ answered, reconnects, bytes })
    }
    run()
  }
} else {
  // ---- the relay, the seeding and the measuring client ----
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`)
    return i === -1 ? fallback : process.argv[i + 1]
  }
  const seconds = Number(arg('seconds', '10'))
  const keys = Number(arg('keys', '100000'))
  const gets = Number(arg('gets', '20'))
  const useDisk = process.argv.includes('--data')
  const mode = arg('mode', 'gets')
  const dir = useDisk ? mkdtempSync(join(tmpdir(), 'trellis-fair-')) : '-'
  const limits = arg('limits', undefined)
  const { relay, port, stop } = await startRelay({ name: 'fair-flood', dataDir: dir, limits, deadlineMs: (seconds + 120) * 1000 })
  const url = `ws://127.0.0.1:${port}/gun`
  const S = Date.now() - 60_000

  // Seed the big node, 5000 keys per put.
  const seeder = await open(url)
  const acks = new Map()
  seeder.on('message', (data) => {
    const text = data.toString()
    if (text === '[]') return
    for (const m of [].concat(JSON.parse(text)))
      if (m['@'] && acks.has(m['@'])) {
        acks.get(m['@'])(m)
        acks.delete(m['@'])
      }
  })
  const soul = 'flood-big'
  for (let from = 0; mode === 'gets' && from < keys; from += 5000) {
    const node = { _: { '#': soul, '>': {} } }
    for (let k = from; k < Math.min(keys, from + 5000); k++) {
      node[`key${k}`] = `value number ${k}`
      node._['>'][`key${k}`] = S
    }
    const id = `seed${from}`
    await new Promise((resolve) => {
      acks.set(id, resolve)
      seeder.send(JSON.stringify({ '#': id, put: { [soul]: node } }))
    })
  }
  seeder.close()

  const chunkKeys = 1000
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { url, gets, chunks: Math.ceil(keys / chunkKeys), soul, mode, keys } })
  // Let the flood start before measuring.
  await new Promise((r) => setTimeout(r, 300))

  const client = await open(url)
  const waiting = new Map()
  client.on('message', (data) => {
    const text = data.toString()
    if (text === '[]') return
    for (const m of [].concat(JSON.parse(text))) {
      const w = waiting.get(m['@'])
      if (w !== undefined) {
        waiting.delete(m['@'])
        w(m)
      }
    }
  })
  const latencies = []
  let errors = 0
  const end = performance.now() + seconds * 1000
  for (let i = 0; performance.now() < end; i++) {
    const id = `w${i}`
    const t0 = performance.now()
    const ack = await new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id)
        resolve({ err: 'timeout' })
      }, 30_000)
      waiting.set(id, (m) => {
        clearTimeout(timer)
        resolve(m)
      })
      client.send(JSON.stringify({ '#': id, put: { small: { _: { '#': 'small', '>': { k: S + i } }, k: i } } }))
    })
    if (ack.ok !== true) errors++
    latencies.push(performance.now() - t0)
    await new Promise((r) => setTimeout(r, 2))
  }
  worker.postMessage('stop')
  const flood = await new Promise((r) => worker.once('message', r))
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())
  const rss = /process_resident_memory_bytes (\d+)/.exec(metrics)?.[1]
  client.close()
  const exited = new Promise((r) => relay.once('exit', r))
  stop('SIGTERM')
  await exited
  if (useDisk) rmSync(dir, { recursive: true, force: true })
  const sorted = [...latencies].sort((a, b) => a - b)
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1)
  if (mode === 'puts')
    console.log(
      `flood: ${gets} puts of a ${keys}-key node per frame, 2 frames outstanding, ${seconds}s, storage ${useDisk ? 'log (disk)' : 'memory'}${limits ? `, limits ${limits}` : ''}`,
    )
  else
    console.log(
      `flood: ${gets} GETs of a ${keys}-key node per frame, 2 frames outstanding, ${seconds}s, storage ${useDisk ? 'log (disk)' : 'memory'}${limits ? `, limits ${limits}` : ''}`,
    )
  console.log(
    `well-behaved put acks: n=${latencies.length} p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms, errors ${errors}`,
  )
  if (mode === 'puts') console.log(`flood puts acked: ${flood.answered}; relay RSS ${(Number(rss) / 1e6).toFixed(0)} MB`)
  else
    console.log(
      `flood GETs fully answered: ${flood.answered} (${(flood.bytes / 1e6).toFixed(0)} MB received, flooder reconnected ${flood.reconnects} times); relay RSS ${(Number(rss) / 1e6).toFixed(0)} MB`,
    )
  process.exit(0)
}
