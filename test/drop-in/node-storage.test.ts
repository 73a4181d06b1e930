import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import Gun from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { stockNodeGun } from '../server/helpers.js'

const run = promisify(execFile)
const DIST_GUN = join(import.meta.dirname, '../../dist/gun.node.js')
const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), prefix))

const put = (chain: ReturnType<RootChain['get']>, data: Record<string, unknown>) =>
  new Promise<{ err?: string }>((resolve) => chain.put(data, (ack) => resolve(ack as { err?: string })))
const once = (chain: ReturnType<RootChain['get']>) => new Promise<unknown>((resolve) => chain.once((data) => resolve(data)))

describe('trellis/gun in Node persists by default, as stock Gun', () => {
  it('writes ./radata in the working directory, and a later process reads it back', async () => {
    const cwd = scratch('gun-cwd-')
    const write = `import Gun from ${JSON.stringify(DIST_GUN)}
      Gun().get('note').put({ text: 'kept' }, (ack) => { if (ack.err) { console.error(ack.err); process.exit(1) } })`
    await run(process.execPath, ['--input-type=module', '-e', write], { cwd })
    expect(readdirSync(join(cwd, 'radata')).some((name) => name.startsWith('seg-'))).toBe(true)

    const read = `import Gun from ${JSON.stringify(DIST_GUN)}
      Gun().get('note').once((data) => console.log(JSON.stringify(data?.text ?? null)))`
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', read], { cwd })
    expect(stdout.trim()).toBe('"kept"')
  })

  it('shares one directory between the instances of a process, and reopens it once all closed', async () => {
    const file = join(scratch('gun-shared-'), 'data')
    const writer = Gun({ file })
    const reader = Gun({ file })
    expect((await put(writer.get('doc'), { n: 1 })).err).toBeUndefined()
    expect(await once(reader.get('doc'))).toMatchObject({ n: 1 })
    await writer.close()
    await reader.close()

    const later = Gun({ file })
    expect(await once(later.get('doc'))).toMatchObject({ n: 1 })
    await later.close()
  })

  it('keeps data in memory only with radisk: false', async () => {
    const cwd = scratch('gun-mem-')
    const script = `import Gun from ${JSON.stringify(DIST_GUN)}
      Gun({ radisk: false }).get('a').put({ b: 1 }, () => {})`
    await run(process.execPath, ['--input-type=module', '-e', script], { cwd })
    expect(readdirSync(cwd)).toEqual([])
  })

  it('refuses a directory of stock RAD files, naming the import that converts it', async () => {
    const dir = scratch('gun-stock-rad-')
    const stock = stockNodeGun([], { file: dir })
    await new Promise<void>((resolve) => stock.get('from-stock').put({ a: 1 }, () => resolve()))
    expect(() => Gun({ file: dir })).toThrow(/stock Gun's RAD files.*trellis import/)
  })

  it("reports a directory another store holds in each write's ack, rather than sharing it unsafely", async () => {
    const dir = scratch('gun-held-')
    const holder = await createLogStorage({ dir })
    const gun = Gun({ file: dir })
    expect((await put(gun.get('x'), { y: 1 })).err).toMatch(/already open/)
    await gun.close()
    await holder.close()
  })
})
