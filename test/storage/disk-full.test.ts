import { execFileSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TrellisError } from '../../src/core/errors.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { collectingLogger, node, quietLogger, tempDir } from './helpers.js'

/**
 * A REAL full disk: a 2 MiB tmpfs mounted for the test (the tests run as
 * root here and in CI). Without the right to mount, the test says so loudly
 * and is skipped; it never passes without having run.
 */
let mnt = ''
let mountError: string | undefined

beforeAll(() => {
  mnt = mkdtempSync(join(tmpdir(), 'trellis-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'pipe' })
  } catch (error) {
    mountError = `${(error as Error).message}`.trim()
  }
})
afterAll(() => {
  if (mountError === undefined) execFileSync('umount', [mnt])
  rmdirSync(mnt)
})

/** Fill the file system: one big file, then small appends until even those fail. */
function fill(path: string): void {
  try {
    writeFileSync(path, Buffer.alloc(8 * 1024 * 1024, 1))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  }
  for (;;) {
    try {
      appendFileSync(path, Buffer.alloc(512, 1))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
      return
    }
  }
}

const big = (i: number) => 'x'.repeat(8192) + String(i)

describe('a full disk (real tmpfs)', () => {
  it('rejects the puts it could not store, reports health, recovers once space returns, keeps exactly the acked writes', async (ctx) => {
    if (mountError !== undefined) {
      console.warn(`SKIPPED disk-full test: it needs to mount a tmpfs (root or CAP_SYS_ADMIN): ${mountError}`)
      ctx.skip()
      return
    }
    const dir = join(mnt, 'data')
    const logger = collectingLogger()
    // Small segments, so the failing commits also take the roll path (creating a segment on a full disk).
    let store = await createLogStorage({ dir, logger, autoCompact: false, segmentBytes: 48 * 1024 })
    const acked = new Map<string, string>()
    const refused = new Set<string>()
    for (let i = 0; i < 12; i++) {
      await store.put([node(`before${i}`, { v: [big(i), 1] })])
      acked.set(`before${i}`, big(i))
    }
    expect(store.health()).toEqual({ ok: true })

    const filler = join(mnt, 'filler')
    fill(filler)
    // A batch of concurrent puts (one group commit), then single ones: every one refused.
    const batch = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => store.put([node(`full${i}`, { v: [big(i), 1] })])))
    for (let i = 0; i < 8; i++) refused.add(`full${i}`)
    for (const r of batch) {
      expect(r.status).toBe('rejected')
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(TrellisError)
      expect(((r as PromiseRejectedResult).reason as Error).message).toMatch(/ENOSPC/)
    }
    const health = store.health()
    expect(health.ok).toBe(false)
    expect(health.error).toMatch(/ENOSPC/)
    expect(typeof health.since).toBe('number')
    for (let i = 0; i < 3; i++) {
      await expect(store.put([node(`single${i}`, { v: [big(i), 1] })])).rejects.toThrow(/ENOSPC/)
      refused.add(`single${i}`)
    }
    // The pending journal refuses the same way.
    await expect(store.pending.add([{ id: 'p-full', soul: 'later', key: 'k', value: big(0), state: 1 }])).rejects.toThrow(/ENOSPC/)
    // Still full: the probe fails and health keeps the time the failure began.
    await expect(store.probe()).rejects.toThrow(/ENOSPC/)
    expect(store.health()).toMatchObject({ ok: false, since: health.since })
    // Refused writes are not readable.
    for (const soul of refused) expect(await store.get(soul)).toBeUndefined()

    rmSync(filler)
    await store.probe()
    expect(store.health()).toEqual({ ok: true })
    for (let i = 0; i < 8; i++) {
      await store.put([node(`after${i}`, { v: [big(i), 1] })])
      acked.set(`after${i}`, big(i))
    }
    await store.pending.add([{ id: 'p-after', soul: 'later', key: 'k', value: 'v', state: 1 }])
    await store.close()

    store = await createLogStorage({ dir, logger, autoCompact: false, segmentBytes: 48 * 1024 })
    try {
      expect(logger.messages.filter((m) => m.includes('torn tail'))).toEqual([])
      expect((await store.souls()).sort()).toEqual([...acked.keys()].sort())
      for (const [soul, value] of acked) expect((await store.get(soul))?.get('v')).toBe(value)
      expect((await store.pending.list()).map((w) => w.id)).toEqual(['p-after'])
    } finally {
      await store.close()
    }
  }, 60_000)
})

describe('the quota refuses the same way', () => {
  it('rejects cleanly, reports health, recovers on the next commit or a probe with room', async () => {
    const { dir, cleanup } = tempDir('quota-health')
    try {
      const store = await createLogStorage({ dir, quotaBytes: 32 * 1024, logger: quietLogger, autoCompact: false })
      let i = 0
      for (; ; i++) {
        try {
          await store.put([node(`q${i}`, { v: ['y'.repeat(1000), 1] })])
        } catch (error) {
          expect((error as TrellisError).code).toBe('QUOTA')
          break
        }
      }
      // A put far over what is left: refused, health says why.
      await expect(store.put([node('huge', { v: ['z'.repeat(64 * 1024), 1] })])).rejects.toThrow(/quota/)
      const health = store.health()
      expect(health.ok).toBe(false)
      expect(health.error).toMatch(/Storage quota exceeded/)
      // Less than a probe's room is left: the probe says so and health stays down.
      await expect(store.probe()).rejects.toMatchObject({ code: 'QUOTA' })
      expect(store.health().ok).toBe(false)
      // A small write that fits is a successful commit: healthy again.
      await store.put([node('small', { v: [1, 1] })])
      expect(store.health()).toEqual({ ok: true })
      await store.close()
      const reopened = await createLogStorage({ dir, quotaBytes: 32 * 1024, logger: quietLogger })
      expect(await reopened.get('huge')).toBeUndefined()
      expect(await reopened.get(`q${i}`)).toBeUndefined()
      expect((await reopened.get('small'))?.get('v')).toBe(1)
      expect((await reopened.souls()).length).toBe(i + 1)
      await reopened.close()
    } finally {
      cleanup()
    }
  })
})
