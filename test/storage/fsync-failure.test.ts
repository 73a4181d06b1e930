import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLogStorage } from '../../src/storage/log/index.js'
import { collectingLogger, node, tempDir } from './helpers.js'

/**
 * An fsync that fails (EIO) cannot be produced on demand by a real disk
 * here, so `fdatasync` is wrapped to fail while `failSyncs` > 0. What is
 * checked is the store's answer: the batch rejects, the frame is cut away,
 * health is down until the next commit, and nothing of it comes back.
 */
const fault = vi.hoisted(() => ({ failSyncs: 0 }))
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const fdatasync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => {
    if (fault.failSyncs > 0) {
      fault.failSyncs--
      const error = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) as NodeJS.ErrnoException
      setImmediate(() => callback(error))
      return
    }
    fs.fdatasync(fd, callback)
  }
  return { ...fs, default: { ...fs, fdatasync }, fdatasync }
})

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

describe('a failed fsync', () => {
  it('rejects its batch, cuts the frame away, reports health, and the store goes on', async () => {
    const { dir, cleanup } = tempDir('fsync-fail')
    cleanups.push(cleanup)
    const logger = collectingLogger()
    const store = await createLogStorage({ dir, logger, autoCompact: false })
    await store.put([node('before', { v: [1, 1] })])
    const segment = readdirSync(dir).find((n) => n.startsWith('seg-')) as string
    const sizeBefore = readFileSync(join(dir, segment)).length

    fault.failSyncs = 1
    await expect(store.put([node('lost', { v: [2, 1] })])).rejects.toThrow(/EIO/)
    expect(store.health()).toMatchObject({ ok: false, error: expect.stringMatching(/EIO/) })
    expect(readFileSync(join(dir, segment)).length).toBe(sizeBefore)
    expect(await store.get('lost')).toBeUndefined()

    await store.put([node('after', { v: [3, 1] })])
    expect(store.health()).toEqual({ ok: true })
    await store.close()

    const reopened = await createLogStorage({ dir, logger, autoCompact: false })
    expect((await reopened.souls()).sort()).toEqual(['after', 'before'])
    await reopened.close()
    expect(logger.messages.filter((m) => m.includes('torn') || m.includes('failed'))).toEqual([])
  })
})
