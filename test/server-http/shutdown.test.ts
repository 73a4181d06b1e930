import WebSocket from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import { call, tmpDir } from './helpers.js'
import { startServerProcess, type ServerProcess } from './processes.js'
import { waitUntil } from '../support/wait.js'

const started: ServerProcess[] = []
afterAll(() => {
  for (const p of started) if (p.child.exitCode === null) p.child.kill('SIGKILL')
})

describe('graceful shutdown (a real process, built from dist/)', () => {
  it('SIGTERM during a burst of writes: exit 0, and every acknowledged write is on disk after restart', { timeout: 60_000 }, async () => {
    const dataDir = tmpDir('trellis-sigterm-')
    const first = await startServerProcess(['--port', '0', '--data', dataDir])
    started.push(first)

    // REST writers: sequential PUTs on 6 lanes; a 200 is an acknowledgement.
    const ackedRest: [string, number][] = []
    let stop = false
    const lanes = Array.from({ length: 6 }, async (_, lane) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await call(first.base, 'PUT', `/api/v1/data/lane${lane}/k${i}`, i)
          if (res.status === 200) ackedRest.push([`lane${lane}/k${i}`, i])
          else return
        } catch {
          return // connection refused or reset: the server is going away
        }
      }
    })

    // A wire writer: Gun put messages over /gun; an ack without err is an acknowledgement.
    const ackedWire = new Set<string>()
    const ws = new WebSocket(`${first.base.replace('http', 'ws')}/gun`)
    await new Promise((resolve) => ws.once('open', resolve))
    ws.on('message', (data) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(data.toString())
      } catch {
        return
      }
      for (const msg of (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[]) {
        if (typeof msg['@'] === 'string' && msg.err === undefined && msg.ok !== undefined) ackedWire.add(msg['@'])
      }
    })
    ws.on('error', () => {})
    let n = 0
    const wireTimer = setInterval(() => {
      for (let j = 0; j < 20 && ws.readyState === ws.OPEN; j++, n++) {
        const key = `w${n}`
        ws.send(JSON.stringify({ '#': key, put: { wire: { _: { '#': 'wire', '>': { [key]: 1700000000000 + n } }, [key]: n } } }))
      }
    }, 5)

    // SIGTERM under load, once both lanes have had writes acked.
    await waitUntil(() => ackedRest.length > 20 && ackedWire.size > 20, 'writes acked on both lanes', 15_000)
    first.child.kill('SIGTERM')
    const code = await first.exited
    stop = true
    clearInterval(wireTimer)
    ws.terminate()
    await Promise.all(lanes)
    expect(code, first.output()).toBe(0)
    expect(ackedRest.length).toBeGreaterThan(20)
    expect(ackedWire.size).toBeGreaterThan(20)

    const second = await startServerProcess(['--port', '0', '--data', dataDir])
    started.push(second)
    for (const [path, value] of ackedRest) {
      const res = await call(second.base, 'GET', `/api/v1/data/${path}`)
      expect(res.body, path).toEqual({ data: value, path })
    }
    const wire = await call(second.base, 'GET', '/api/v1/data/wire')
    const stored = wire.body.data as Record<string, number>
    for (const key of ackedWire) expect(stored[key], key).toBe(Number(key.slice(1)))
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })
})
