import { afterEach, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/index.js'
import { enospc, storageDouble } from '../core/storage-doubles.js'

/**
 * Readiness tells the truth about storage (issue 11 #4): 503 with the
 * storage's error while its writes fail, 200 again as soon as a probe
 * write succeeds. A store double stands in for a full disk.
 */
describe('/readyz follows storage health', () => {
  let relay: Relay | undefined
  afterEach(async () => {
    await relay?.close()
    relay = undefined
  })

  it('503 with the error while storage refuses writes; probes notice recovery; 200 again', async () => {
    const store = storageDouble()
    let failing: Error | undefined
    let probes = 0
    store.storage.health = () => (failing === undefined ? { ok: true } : { ok: false, error: failing.message, since: 1_700_000_000_000 })
    store.storage.probe = async () => {
      probes++
      if (failing !== undefined) throw failing
    }
    relay = await createRelay({ port: 0, storage: store.storage, storageIsDurable: true, admin: false })
    const base = `http://127.0.0.1:${relay.port}`
    expect((await fetch(`${base}/readyz`)).status).toBe(200)

    failing = enospc()
    const down = await fetch(`${base}/readyz`)
    expect(down.status).toBe(503)
    const body = (await down.json()) as { status: string; storage: { error?: string; writable?: boolean; since?: string } }
    expect(body).toMatchObject({ status: 'not ready', storage: { writable: false, since: new Date(1_700_000_000_000).toISOString() } })
    expect(body.storage.error).toMatch(/ENOSPC/)
    expect(probes).toBeGreaterThan(0)

    // Space comes back: nothing but the probe writes, yet readiness returns.
    failing = undefined
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
  })

  it('/metrics reports storage health and the engine bounds', async () => {
    const store = storageDouble()
    relay = await createRelay({ port: 0, storage: store.storage, storageIsDurable: true, admin: false, maxMemoryBytes: 1_000_000 })
    const text = await (await fetch(`http://127.0.0.1:${relay.port}/metrics`)).text()
    expect(text).toMatch(/^trellis_storage_ok 1$/m)
    expect(text).toMatch(/^trellis_node_cache_bytes \d+$/m)
    expect(text).toMatch(/^trellis_deferred_writes 0$/m)
    expect(text).toMatch(/^trellis_deferred_bytes 0$/m)
    expect(text).toMatch(/^trellis_deferred_refused_total\{reason="horizon"\} 0$/m)
  })
})
