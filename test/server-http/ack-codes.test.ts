import { afterEach, describe, expect, it } from 'vitest'
import type { Ack } from '../../src/core/engine-types.js'
import { type ErrorCode, TrellisError } from '../../src/core/errors.js'
import type { StorageAdapter } from '../../src/core/storage-contract.js'
import { createInstance } from '../../src/instance.js'
import { ackError } from '../../src/server/http/errors.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import { call, serve, type Served } from './helpers.js'

/** Memory storage whose writes all fail with `error`. */
function refusing(error: Error): StorageAdapter {
  return { ...createMemoryStorage(), put: () => Promise.reject(error) }
}

describe('acks carry a code beside Gun’s text; REST maps the code to a status (issue 13)', () => {
  let served: Served | undefined
  afterEach(async () => {
    await served?.close()
    served = undefined
  })

  it('a refused write’s ack has the error’s code and its unchanged text; an adapter’s own error has no code', async () => {
    const ackFor = (storage: StorageAdapter) => new Promise<Ack>((resolve) => createInstance({ storage }).get('a').put({ v: 1 }, resolve))
    const quota = new TrellisError('QUOTA', 'Storage quota exceeded: nothing was written')
    expect(await ackFor(refusing(quota))).toEqual({ err: quota.message, code: 'QUOTA' })
    expect(await ackFor(refusing(new Error('disk full')))).toEqual({ err: 'disk full' })
    const root = await new Promise<Ack>((resolve) => createInstance().get('prim').put('x', resolve))
    expect(root).toEqual({ err: 'Data at root of graph must be a node (an object).', code: 'ROOT_NOT_NODE' })
  })

  it('ackError: the status comes from the code, never from the text', () => {
    const cases: [ErrorCode | undefined, number, string][] = [
      ['INVALID_SOUL', 400, 'INVALID_SOUL'],
      ['UNVERIFIED', 403, 'UNVERIFIED'],
      ['QUOTA', 507, 'QUOTA'],
      ['CLOSED', 503, 'CLOSED'],
      ['STORAGE', 503, 'STORAGE'],
      [undefined, 503, 'STORAGE'],
    ]
    for (const [code, status, apiCode] of cases) {
      // The same misleading text every time: only the code decides.
      expect(ackError('quota closed Invalid soul: x', code, 'a/b')).toMatchObject({
        status,
        code: apiCode,
        message: 'quota closed Invalid soul: x',
        path: 'a/b',
      })
    }
  })

  it('REST: storage refusing a write over quota is a 507 QUOTA with the storage’s text; an adapter error is a 503', async () => {
    const quota = new TrellisError('QUOTA', 'Storage quota exceeded: writing 10 bytes would bring /x over the quota of 5; nothing was written')
    served = await serve({ storage: refusing(quota), admin: false })
    const full = await call(served.base, 'PUT', '/api/v1/data/ann', { name: 'Ann' })
    expect([full.status, full.body]).toEqual([507, { code: 'QUOTA', message: quota.message, path: 'ann' }])
    await served.close()

    // Text that once made REST guess "quota" (507): without a code it is storage-side.
    served = await serve({ storage: refusing(new Error('quota of the disk controller reached')), admin: false })
    const broken = await call(served.base, 'PUT', '/api/v1/data/ann', { name: 'Ann' })
    expect([broken.status, broken.body]).toEqual([503, { code: 'STORAGE', message: 'quota of the disk controller reached', path: 'ann' }])
  })
})
