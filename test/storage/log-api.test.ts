import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../../src/core/errors.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { node, quietLogger, tempDir } from './helpers.js'

const run = promisify(execFile)
const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))
const dirFor = (label: string) => {
  const t = tempDir(label)
  cleanups.push(t.cleanup)
  return t.dir
}

describe('log storage API', () => {
  it('keeps reads and writes correct while compaction runs', async () => {
    const dir = dirFor('concurrent')
    const store = await createLogStorage({ dir, segmentBytes: 4096, cacheNodes: 4, logger: quietLogger, autoCompact: false })
    for (let i = 0; i < 400; i++) await store.put([node(`s${i % 40}`, { v: [i, i + 1], [`k${i}`]: [true, i + 1] })])
    const compaction = store.compact()
    const writes: Array<Promise<void>> = []
    for (let i = 400; i < 800; i++) writes.push(store.put([node(`s${i % 40}`, { v: [i, i + 1], [`k${i}`]: [true, i + 1] })]))
    const reads = Array.from({ length: 40 }, (_, s) => store.get(`s${s}`))
    await Promise.all([compaction, ...writes])
    for (const read of await Promise.all(reads)) expect(read?.has(`k${Number(read.soul.slice(1))}`)).toBe(true)
    for (let s = 0; s < 40; s++) {
      const got = await store.get(`s${s}`)
      expect(got?.get('v')).toBe(760 + s)
      expect(got?.size).toBe(21)
    }
    const stats = store.stats()
    expect(stats.souls).toBe(40)
    expect(stats.compactions).toBe(1)
    await store.close()
    const reopened = await createLogStorage({ dir, logger: quietLogger })
    expect((await reopened.get('s7'))?.get('v')).toBe(767)
    await reopened.close()
  })

  it('groups concurrent puts into few fsyncs', async () => {
    const store = await createLogStorage({ dir: dirFor('group'), logger: quietLogger })
    await Promise.all(Array.from({ length: 2000 }, (_, i) => store.put([node(`g${i}`, { v: [i, 1] })])))
    expect(store.stats().commits).toBeLessThan(20)
    await store.close()
  })

  it('rejects invalid values without writing anything of the put', async () => {
    const store = await createLogStorage({ dir: dirFor('invalid'), logger: quietLogger })
    const bad = node('b', { ok: [1, 1] })
    bad.set('nan', Number.NaN, 1)
    await expect(store.put([node('a', { v: [1, 1] }), bad])).rejects.toMatchObject({ code: 'INVALID_DATA', message: 'Invalid data: number at b.nan' })
    expect(await store.get('a')).toBeUndefined()
    await store.put([node('c', { v: [1, 1] })])
    expect((await store.get('c'))?.get('v')).toBe(1)
    await store.close()
  })

  it('locks the directory against a second writer and supports read-only opens', async () => {
    const dir = dirFor('lock')
    const store = await createLogStorage({ dir, logger: quietLogger })
    await store.put([node('x', { v: [1, 1] })])
    await expect(createLogStorage({ dir, logger: quietLogger })).rejects.toBeInstanceOf(TrellisError)
    const reader = await createLogStorage({ dir, readOnly: true, logger: quietLogger })
    expect((await reader.get('x'))?.get('v')).toBe(1)
    await expect(reader.put([node('y', { v: [1, 1] })])).rejects.toThrow(/read-only/)
    await reader.close()
    await store.close()
    await expect(store.get('x')).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('relaxed durability still persists across a clean close', async () => {
    const dir = dirFor('relaxed')
    const store = await createLogStorage({ dir, durability: 'relaxed', logger: quietLogger })
    await Promise.all(Array.from({ length: 100 }, (_, i) => store.put([node(`r${i}`, { v: [i, 1] })])))
    await store.close()
    const reopened = await createLogStorage({ dir, logger: quietLogger })
    expect((await reopened.souls()).length).toBe(100)
    await reopened.close()
  })

  it('drops expired tombstones only when a retention period is configured', async () => {
    const dir = dirFor('tombstones')
    const old = Date.now() - 10 * 86_400_000
    let store = await createLogStorage({ dir, logger: quietLogger, autoCompact: false })
    await store.put([node('t', { gone: [null, old], fresh: [null, Date.now()], live: [1, old] })])
    await store.compact()
    expect((await store.get('t'))?.has('gone')).toBe(true)
    await store.close()
    store = await createLogStorage({ dir, logger: quietLogger, autoCompact: false, tombstoneTtlMs: 86_400_000 })
    const result = await store.compact()
    expect(result.tombstonesDropped).toBe(1)
    const t = await store.get('t')
    expect(t?.has('gone')).toBe(false)
    expect(t?.get('fresh')).toBe(null)
    expect(t?.get('live')).toBe(1)
    await store.close()
  })

  it('every storage command answers --help', async () => {
    for (const command of ['inspect', 'compact', 'export', 'import', 'repair']) {
      const { stdout } = await run(process.execPath, [cli, command, '--help'])
      expect(stdout).toContain(`trellis ${command}`)
    }
  })

  it('inspect, compact, export and import work end to end through the CLI', async () => {
    const dir = dirFor('cli')
    const store = await createLogStorage({ dir: `${dir}/db`, segmentBytes: 2048, logger: quietLogger, autoCompact: false })
    for (let i = 0; i < 100; i++) await store.put([node(`c${i % 10}`, { v: [i, i + 1] })])
    await store.close()
    const inspected = JSON.parse((await run(process.execPath, [cli, 'inspect', `${dir}/db`, '--json'])).stdout)
    expect(inspected.stats.souls).toBe(10)
    expect(inspected.damage).toEqual([])
    expect((await run(process.execPath, [cli, 'compact', `${dir}/db`])).stdout).toMatch(/compacted .* 10 souls/)
    const exported = (await run(process.execPath, [cli, 'export', `${dir}/db`])).stdout
    expect(JSON.parse(exported).c3.v).toBe(93)
    const child = execFile(process.execPath, [cli, 'import', `${dir}/db2`])
    child.stdin?.end(exported)
    await new Promise((resolve) => child.on('exit', resolve))
    expect((await run(process.execPath, [cli, 'export', `${dir}/db2`])).stdout).toBe(exported)
  })
})
