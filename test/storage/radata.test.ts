import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isValue } from '../../src/core/types.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { exportGraph, importGraph, importRadata } from '../../src/storage/log/transfer.js'
import { node, quietLogger, tempDir } from './helpers.js'

const run = promisify(execFile)
const gunWriter = fileURLToPath(new URL('./fixtures/gun-writer.cjs', import.meta.url))
const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('migration from stock Gun', () => {
  async function gunRadata(count: number) {
    const { dir, cleanup } = tempDir('radata')
    cleanups.push(cleanup)
    const radata = join(dir, 'radata')
    const { stdout } = await run(process.execPath, [gunWriter, radata, String(count)], { maxBuffer: 64 << 20, timeout: 60_000 })
    const line = stdout.split('\n').find((l) => l.startsWith('EXPECTED ')) ?? ''
    const expected = JSON.parse(line.slice('EXPECTED '.length)) as Record<string, Record<string, unknown>>
    const store = await createLogStorage({ dir: join(dir, 'db'), logger: quietLogger })
    cleanups.push(() => void store.close())
    return { radata, expected, store }
  }

  it('imports every record of a radata directory written by stock Gun', async () => {
    const { radata, expected, store } = await gunRadata(200)
    const report = await importRadata(store, radata)
    expect(report.problems).toEqual([])
    const souls = Object.keys(expected)
    expect(report.souls).toBe(souls.length)
    for (const soul of souls) {
      const got = await store.get(soul)
      expect(got, soul).toBeDefined()
      expect(got?.size).toBe(Object.keys(expected[soul]).length)
      for (const [key, value] of Object.entries(expected[soul])) {
        expect(got?.get(key), `${soul}.${key}`).toEqual(value)
        expect(got?.stateOf(key)).toBeGreaterThan(1.7e12)
      }
    }
    await store.close()
  }, 90_000)

  it('imports every readable record when stock Gun split its data over several chunk files', async () => {
    // Past 1 MiB RAD splits chunks, and npm gun 0.2020.1241 races while doing so (gun-protocol.md §8.3):
    // records can come out damaged or missing. The oracle is therefore what the files hold.
    const { radata, expected, store } = await gunRadata(1500)
    const files = readdirSync(radata).filter((f) => f !== '%1C')
    expect(files.length).toBeGreaterThan(1)
    const records: Array<[string, string, unknown, number]> = []
    let malformed = 0
    for (const file of files) {
      const walk = (level: Record<string, unknown>, path: string) => {
        for (const part of Object.keys(level)) {
          const child = level[part] as Record<string, unknown>
          if (part !== '') walk(child, path + part)
          else {
            const state = typeof child['>'] === 'number' ? child['>'] : child.undefined
            const [soul, key] = [path.slice(0, path.indexOf('\x1b')), path.slice(path.indexOf('\x1b') + 1)]
            if (typeof state === 'number' && Object.hasOwn(child, ':') && isValue(child[':'])) records.push([soul, key, child[':'], state])
            else malformed++
          }
        }
      }
      walk(JSON.parse(readFileSync(join(radata, file), 'utf8')) as Record<string, unknown>, '')
    }
    const intended = Object.values(expected).reduce((n, keys) => n + Object.keys(keys).length, 0)
    expect(records.length).toBeGreaterThan(intended * 0.5)
    const report = await importRadata(store, radata)
    expect(report.keys).toBe(records.length)
    expect(report.skipped).toBe(malformed)
    for (const [soul, key, value, state] of records) {
      const got = await store.get(soul)
      expect(got?.get(key), `${soul}.${key}`).toEqual(value)
      expect(got?.stateOf(key)).toBe(state)
      // Whatever survived in the files is what the writer meant to store.
      expect(value).toEqual(expected[soul]?.[key])
    }
    await store.close()
  }, 90_000)

  it('round-trips export → import, hostile keys included, and merges imports by HAM', async () => {
    const { dir, cleanup } = tempDir('export')
    cleanups.push(cleanup)
    const source = await createLogStorage({ dir: join(dir, 'a'), logger: quietLogger })
    await source.put([
      node('__proto__', [
        ['constructor', 'c', 5],
        ['toString', null, 5],
        ['', { '#': 'x' }, 6],
      ]),
      node('x', { n: [1.5, 3], t: [true, 3], s: ['lone \ud800 surrogate', 4] }),
    ])
    let text = ''
    await exportGraph(source, async (chunk) => void (text += chunk))
    await source.close()
    expect(({} as Record<string, unknown>).constructor).toBe(Object)

    const target = await createLogStorage({ dir: join(dir, 'b'), logger: quietLogger })
    // The target already holds a newer value for x.n and an older one for x.t.
    await target.put([node('x', { n: [99, 10], t: [false, 1] })])
    const report = await importGraph(target, JSON.parse(text))
    expect(report.skipped).toBe(0)
    const proto = await target.get('__proto__')
    expect(proto?.get('constructor')).toBe('c')
    expect(proto?.get('toString')).toBe(null)
    expect(proto?.get('')).toEqual({ '#': 'x' })
    const x = await target.get('x')
    expect(x?.get('n')).toBe(99)
    expect(x?.get('t')).toBe(true)
    expect(x?.get('s')).toBe('lone \ud800 surrogate')
    await target.close()

    // The same import into the memory adapter gives the same graph.
    const memory = createMemoryStorage()
    await importGraph(memory, JSON.parse(text))
    expect((await memory.get('x'))?.get('s')).toBe('lone \ud800 surrogate')
  })

  it('skips hostile or malformed input with a reason instead of failing', async () => {
    const store = createMemoryStorage()
    const report = await importGraph(
      store,
      JSON.parse('{"a":{"_":{"#":"a",">":{"k":1,"bad":1}},"k":"v","bad":[1]},"b":5,"c":{"_":{"#":"c",">":{"k":"nope"}},"k":1}}'),
    )
    expect(report.souls).toBe(2)
    expect(report.skipped).toBe(3)
    expect((await store.get('a'))?.get('k')).toBe('v')
    expect((await store.get('a'))?.has('bad')).toBe(false)
  })
})
