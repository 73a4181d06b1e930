import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../../src/core/errors.js'
import { checkFrame, SEGMENT_HEADER } from '../../src/storage/log/frame.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { repairStore, walkSegments } from '../../src/storage/log/repair.js'
import { collectingLogger, node, quietLogger, tempDir } from './helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function storeWith(records: number): Promise<{ dir: string; segment: string; frames: number[] }> {
  const { dir, cleanup } = tempDir('damage')
  cleanups.push(cleanup)
  const store = await createLogStorage({ dir, logger: quietLogger, autoCompact: false })
  // One awaited put per record: one frame each.
  for (let i = 0; i < records; i++) await store.put([node(`soul${i}`, { v: [i, 1000 + i], text: [`record ${i}`, 1000 + i] })])
  await store.close()
  const segment = readdirSync(dir).find((n) => n.endsWith('.log')) as string
  const buf = readFileSync(join(dir, segment))
  const frames: number[] = []
  for (let at = SEGMENT_HEADER; at < buf.length; ) {
    const check = checkFrame(buf, at, buf.length)
    if (!check.ok) throw new Error('test setup: unexpected bad frame')
    frames.push(at)
    at += check.length
  }
  return { dir, segment, frames }
}

async function readAll(dir: string, count: number): Promise<Array<number | undefined>> {
  const store = await createLogStorage({ dir, logger: quietLogger })
  try {
    const out: Array<number | undefined> = []
    for (let i = 0; i < count; i++) out.push((await store.get(`soul${i}`))?.get('v') as number | undefined)
    return out
  } finally {
    await store.close()
  }
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('torn tails are truncated with a warning', () => {
  const tails: Array<[string, (frame: Buffer) => Buffer]> = [
    ['a partial frame header', () => Buffer.from([7, 0, 0])],
    ['a frame cut short', (frame) => frame.subarray(0, frame.length - 5)],
    ['zeros the OS allocated but never filled', () => Buffer.alloc(300)],
  ]
  for (const [label, makeTail] of tails) {
    it(`repairs ${label}`, async () => {
      const { dir, segment, frames } = await storeWith(5)
      const path = join(dir, segment)
      const original = readFileSync(path)
      const size = original.length
      appendFileSync(path, makeTail(original.subarray(frames[1], frames[2])))
      const logger = collectingLogger()
      const store = await createLogStorage({ dir, logger })
      expect(logger.messages).toHaveLength(1)
      expect(logger.messages[0]).toContain(`${segment}: torn tail at offset ${size}`)
      expect(statSync(path).size).toBe(size)
      await store.put([node('after', { v: [1, 1] })])
      await store.close()
      expect(await readAll(dir, 5)).toEqual(expected(5))
      const again = await createLogStorage({ dir, logger })
      expect((await again.get('after'))?.get('v')).toBe(1)
      await again.close()
      expect(logger.messages).toHaveLength(1)
    })
  }
})

describe('a complete frame at the end that fails its CRC is corruption, not a torn tail', () => {
  const damages: Array<[string, (frame: Buffer) => Buffer, string]> = [
    [
      'a flipped byte in its payload',
      (frame) => Buffer.concat([frame.subarray(0, frame.length - 1), Buffer.from([frame[frame.length - 1] ^ 0xff])]),
      'CRC mismatch',
    ],
    ['a flipped byte in its CRC', (frame) => Buffer.concat([frame.subarray(0, 4), Buffer.from([frame[4] ^ 0x01]), frame.subarray(5)]), 'CRC mismatch'],
    [
      'a length field grown past the end of the file',
      (frame) => {
        const copy = Buffer.from(frame)
        copy.writeUInt32LE(copy.readUInt32LE(0) + 100, 0)
        return copy
      },
      'frame length field damaged',
    ],
  ]
  for (const [label, damage, reason] of damages) {
    it(`refuses to open over ${label}, and repair keeps the frame's readable entries`, async () => {
      const { dir, segment, frames } = await storeWith(5)
      rmSync(join(dir, 'index.hint'))
      const path = join(dir, segment)
      const original = readFileSync(path)
      const last = frames[4]
      writeFileSync(path, Buffer.concat([original.subarray(0, last), damage(original.subarray(last))]))
      const size = statSync(path).size
      const error = await createLogStorage({ dir, logger: quietLogger }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TrellisError)
      expect((error as TrellisError).code).toBe('STORAGE')
      expect((error as Error).message).toContain(`${segment} at offset ${last}: ${reason}`)
      expect((error as Error).message).toContain(`trellis repair ${dir}`)
      expect(statSync(path).size).toBe(size)
      const report = await repairStore(dir)
      expect(report.damage).toHaveLength(1)
      expect(report.damage[0]).toMatchObject({ segment, offset: last })
      // The CRC and length damages leave the entry itself intact (it has its own CRC): salvaged.
      const kept = label.includes('payload') ? [0, 1, 2, 3, undefined] : [0, 1, 2, 3, 4]
      expect(await readAll(dir, 5)).toEqual(kept)
    })
  }
})

describe('a flipped bit in the middle of the log', () => {
  async function flipped() {
    const made = await storeWith(6)
    const path = join(made.dir, made.segment)
    const buf = readFileSync(path)
    const target = made.frames[2] + 20
    buf[target] ^= 0x10
    writeFileSync(path, buf)
    return { ...made, damagedFrame: made.frames[2] }
  }

  it('refuses to start, naming the segment and offset, when the damage is in the replayed log', async () => {
    const { dir, segment, damagedFrame } = await flipped()
    rmSync(join(dir, 'index.hint'))
    const error = await createLogStorage({ dir, logger: quietLogger }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as TrellisError).code).toBe('STORAGE')
    expect((error as Error).message).toContain(`${segment} at offset ${damagedFrame}: CRC mismatch`)
    expect((error as Error).message).toContain(`trellis repair ${dir}`)
    // Nothing was truncated or rewritten by the refused open.
    expect(readdirSync(dir).filter((n) => n.endsWith('.log'))).toEqual([segment])
  })

  it('is reported on read (the hint skips replay) and by inspect', async () => {
    const { dir, segment, damagedFrame } = await flipped()
    const store = await createLogStorage({ dir, logger: quietLogger })
    await expect(store.get('soul2')).rejects.toThrow(`${segment} at offset ${damagedFrame + 9}`)
    expect((await store.get('soul3'))?.get('v')).toBe(3)
    await store.close()
    const scan = await walkSegments(dir, undefined)
    expect(scan.damage).toEqual([{ segment, offset: damagedFrame, reason: 'CRC mismatch', skippedBytes: expect.any(Number) }])
  })

  it('repair salvages every other record and the store opens cleanly', async () => {
    const { dir, segment, damagedFrame } = await flipped()
    rmSync(join(dir, 'index.hint'))
    const report = await repairStore(dir)
    expect(report.damage).toHaveLength(1)
    expect(report.damage[0]).toMatchObject({ segment, offset: damagedFrame })
    expect(report.entriesSalvaged).toBe(5)
    const logger = collectingLogger()
    const store = await createLogStorage({ dir, logger })
    await store.close()
    expect(logger.messages).toEqual([])
    expect(await readAll(dir, 6)).toEqual([0, 1, undefined, 3, 4, 5])
    expect((await walkSegments(dir, undefined)).damage).toEqual([])
  })
})

describe('storage quota', () => {
  it('refuses a write beyond the quota with a clear error and nothing half-written', async () => {
    const { dir, cleanup } = tempDir('quota')
    cleanups.push(cleanup)
    const quotaBytes = 4096
    const store = await createLogStorage({ dir, quotaBytes, logger: quietLogger, autoCompact: false })
    const written: number[] = []
    let refusal: unknown
    for (let i = 0; i < 1000 && refusal === undefined; i++) {
      // Several nodes per put: a refused put must leave none of them.
      const batch = [node(`q${i}`, { v: [i, 1] }), node(`q${i}/b`, { v: ['x'.repeat(50), 1] })]
      try {
        await store.put(batch)
        written.push(i)
      } catch (error) {
        refusal = error
      }
    }
    expect(refusal).toBeInstanceOf(TrellisError)
    expect((refusal as TrellisError).code).toBe('QUOTA')
    expect((refusal as Error).message).toMatch(/quota of 4096.*nothing was written/)
    const last = written.length
    expect(await store.get(`q${last}`)).toBeUndefined()
    expect(await store.get(`q${last}/b`)).toBeUndefined()
    expect(store.stats().diskBytes).toBeLessThanOrEqual(quotaBytes)
    // Smaller writes that fit are still accepted; a concurrent burst is cut at the quota, not past it.
    const burst = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => store.put([node(`tiny${i}`, { v: [1, 1] })])))
    expect(burst.some((r) => r.status === 'rejected')).toBe(true)
    expect(store.stats().diskBytes).toBeLessThanOrEqual(quotaBytes)
    await store.close()
    const reopened = await createLogStorage({ dir, quotaBytes, logger: quietLogger })
    for (const i of written) expect((await reopened.get(`q${i}`))?.get('v')).toBe(i)
    expect(await reopened.get(`q${last}`)).toBeUndefined()
    await reopened.close()
  })
})
