import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_CONFIG, loadServerConfig, serveHelp } from '../../src/server/config.js'

describe('engine bounds: flags, environment, defaults', () => {
  it('defaults: 256 MiB node cache, 100 000 keys and 64 MiB deferred, a 24 h horizon', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      maxMemoryBytes: 256 * 1024 ** 2,
      maxDeferred: 100_000,
      maxDeferredBytes: 64 * 1024 ** 2,
      maxFutureMs: 24 * 3_600_000,
    })
  })

  it('flags and environment variables set them (flags win); the node cache may pass 1 GiB', () => {
    const config = loadServerConfig(['--max-memory-bytes', '2gb', '--max-future', '1h', '--max-deferred-bytes=8mb'], { MAX_DEFERRED: '500', MAX_FUTURE: '5m' })
    expect(config).toMatchObject({ maxMemoryBytes: 2 * 1024 ** 3, maxFutureMs: 3_600_000, maxDeferredBytes: 8 * 1024 ** 2, maxDeferred: 500 })
  })

  it('bad values name the flag; --help lists every bound', () => {
    expect(() => loadServerConfig(['--max-deferred-bytes', '2gb'], {})).toThrow(ConfigError)
    expect(() => loadServerConfig(['--max-deferred', 'lots'], {})).toThrow(/max deferred/)
    const help = serveHelp()
    for (const flag of ['--max-memory-bytes', '--max-deferred ', '--max-deferred-bytes', '--max-future']) expect(help).toContain(flag)
  })

  it('the mesh rates, batch slice and table ages have flags too, with the mesh defaults', async () => {
    const { DEFAULT_LIMITS } = await import('../../src/mesh/limits.js')
    expect(DEFAULT_CONFIG).toMatchObject({
      getsPerSecond: DEFAULT_LIMITS.getsPerSecond,
      putsPerSecond: DEFAULT_LIMITS.putsPerSecond,
      sliceMessages: DEFAULT_LIMITS.sliceMessages,
      dedupAgeMs: DEFAULT_LIMITS.dedupAgeMs,
      routeAgeMs: DEFAULT_LIMITS.routeAgeMs,
    })
    const config = loadServerConfig(['--gets-per-second', '500', '--route-age', '2s', '--slice-messages=16'], { PUTS_PER_SECOND: '900', DEDUP_AGE: '3s' })
    expect(config).toMatchObject({ getsPerSecond: 500, putsPerSecond: 900, sliceMessages: 16, dedupAgeMs: 3000, routeAgeMs: 2000 })
    for (const flag of ['--gets-per-second', '--puts-per-second', '--slice-messages', '--dedup-age', '--route-age']) expect(serveHelp()).toContain(flag)
  })
})
