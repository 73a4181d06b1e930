import { afterEach, describe, expect, it } from 'vitest'
import { loadServerConfig, serveHelp } from '../../src/server/config.js'
import { parsePrometheus } from '../server-http/prometheus.js'
import { rawClient, until, type RawClient } from '../server/helpers.js'
import { freePort, startRelayProcess, type RelayProcess } from '../server/processes.js'
import { tempDir } from './helpers.js'

/**
 * Finding 7 (issue 11) against a real relay process with a real data directory: big nodes written
 * over the wire and read back one by one go through the log storage's read cache, which must stay
 * within `storageCacheBytes` (reported at /metrics as trellis_storage_cache_bytes) however many are read.
 */
const relays: RelayProcess[] = []
const clients: RawClient[] = []
const cleanups: Array<() => void> = []
afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const r of relays.splice(0)) await r.kill()
  cleanups.splice(0).forEach((c) => c())
})

async function metric(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return parsePrometheus(text).samples.find((s) => s.name === name)?.value
}

describe('storage read cache bound in bytes (relay process)', () => {
  it('--storage-cache-bytes / STORAGE_CACHE_BYTES set it (default 64 MiB)', () => {
    expect(loadServerConfig([], {})).toMatchObject({ storageCacheBytes: 64 * 1024 ** 2 })
    expect(loadServerConfig(['--storage-cache-bytes', '8mb'], {})).toMatchObject({ storageCacheBytes: 8 * 1024 ** 2 })
    expect(loadServerConfig([], { STORAGE_CACHE_BYTES: '2gb' })).toMatchObject({ storageCacheBytes: 2 * 1024 ** 3 })
    expect(serveHelp()).toContain('--storage-cache-bytes')
  })

  it('keeps the decoded nodes of big reads within the bound', async () => {
    const dir = tempDir('cache-relay')
    cleanups.push(dir.cleanup)
    const port = await freePort()
    const BOUND = 1024 * 1024
    // The engine keeps little in front (256 KiB), so reads reach the storage, as in the attack.
    const relay = await startRelayProcess(port, dir.dir, [], { admin: false, storageCacheBytes: BOUND, maxMemoryBytes: 256 * 1024 })
    relays.push(relay)
    const c = await rawClient(relay.url)
    clients.push(c)
    const NODES = 24
    const value = (i: number) => `${i}:`.padEnd(100_000, 'v') // ≈ 200 KB each by the estimate: 24 would be ≈ 4.8 MB
    for (let i = 0; i < NODES; i++) {
      const soul = `big/${i}`
      c.send({ '#': `put${i}`, put: { [soul]: { _: { '#': soul, '>': { v: Date.now() } }, v: value(i) } } })
      await until(() => c.heard.some((m) => m['@'] === `put${i}` && m.ok !== undefined), 10_000, `ack of put ${i}`)
    }
    for (let i = 0; i < NODES; i++) {
      c.send({ '#': `get${i}`, get: { '#': `big/${i}` } })
      await until(() => c.heard.some((m) => m['@'] === `get${i}`), 10_000, `reply to get ${i}`)
      const reply = c.heard.find((m) => m['@'] === `get${i}`) as { put?: Record<string, { v?: string }> }
      expect(reply.put?.[`big/${i}`]?.v).toBe(value(i))
    }
    const cached = await metric(port, 'trellis_storage_cache_bytes')
    expect(cached).toBeDefined()
    expect(cached).toBeGreaterThan(0)
    expect(cached).toBeLessThanOrEqual(BOUND)
  })
})
