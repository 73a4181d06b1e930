import { describe, expect, it, vi } from 'vitest'
import { nodeEcdsa } from '../../src/sea/ecdsa-node.js'
import { signKey, verifyKey } from '../../src/sea/keys.js'
import { pair } from '../../src/sea/index.js'
import { createVerifyThreads } from '../../src/sea/verify-threads.js'

// A relay checks signatures on threads of its own (verify-threads.ts): every answer must be the one
// Node's crypto gives on the thread pool, for any mix of keys, batch sizes and malformed input.
async function signed(count: number) {
  const keys = await pair()
  const [priv, pub] = await Promise.all([signKey(keys), verifyKey(keys.pub)])
  return Array.from({ length: count }, (_, i) => {
    const digest = nodeEcdsa.sha256(`message ${i} of ${keys.pub}`)
    return { key: pub, digest, signature: new Uint8Array(nodeEcdsa.sign(priv, digest) as Uint8Array) }
  })
}

describe('verify threads', () => {
  it('answers as the thread pool does, for several keys and batches larger than one message', async () => {
    const threads = createVerifyThreads(2)
    const jobs = [...(await signed(300)), ...(await signed(300))]
    const results = await Promise.all(
      jobs.flatMap(({ key, digest, signature }, i) => {
        const other = jobs[(i + 300) % jobs.length].key
        const tampered = signature.slice()
        tampered[i % 64] ^= 1
        return [threads.verify(key, signature, digest), threads.verify(key, tampered, digest), threads.verify(other, signature, digest)]
      }),
    )
    expect(results).toEqual(jobs.flatMap(() => [true, false, false]))
    expect(threads.pending).toBe(0)
    expect(threads.threads).toBe(2)
  })

  it('refuses signatures of the wrong length, a zero signature and a digest of the wrong length, without failing the batch', async () => {
    const threads = createVerifyThreads(1)
    const [good] = await signed(1)
    const results = await Promise.all([
      threads.verify(good.key, good.signature.slice(0, 63), good.digest),
      threads.verify(good.key, new Uint8Array(70), good.digest),
      threads.verify(good.key, new Uint8Array(64), good.digest),
      threads.verify(good.key, good.signature, good.digest.slice(0, 16)),
      threads.verify(good.key, good.signature, good.digest),
    ])
    expect(results).toEqual([false, false, false, false, true])
  })

  it('refuses a check at once, with QUOTA, past its bound of checks waiting, or past a quarter of it for one source', async () => {
    const threads = createVerifyThreads(1, undefined, 8)
    const jobs = await signed(12)
    const check = (i: number, source: object) => threads.verify(jobs[i].key, jobs[i].signature, jobs[i].digest, source)
    const [a, b, c, d] = [{}, {}, {}, {}]
    // Two each for a, b, c, d fill the bound of 8; a third for a is past its quarter, and a fifth source past the bound.
    const results = await Promise.allSettled([
      check(0, a),
      check(1, a),
      check(2, a),
      check(3, b),
      check(4, b),
      check(5, c),
      check(6, c),
      check(7, d),
      check(8, d),
      check(9, {}),
    ])
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
    ])
    for (const i of [2, 9])
      expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'QUOTA', message: 'Too many signatures waiting to be checked.' })
    // Answered checks make room again.
    expect(threads.pending).toBe(0)
    expect(await check(10, a)).toBe(true)
  })

  it("serves its sources in turn: a source flooding checks delays another's by a few, not by its backlog", async () => {
    const threads = createVerifyThreads(1)
    const flood = await signed(2000)
    const [light] = await signed(1)
    const heavy = {}
    let floodDone = 0
    let floodDoneWhenLightAnswered = -1
    const flooding = flood.map(({ key, signature, digest }) => threads.verify(key, signature, digest, heavy).then(() => void floodDone++))
    // Asked for after the whole flood, by another source.
    const lightAnswered = threads.verify(light.key, light.signature, light.digest, {}).then((ok) => {
      floodDoneWhenLightAnswered = floodDone
      return ok
    })
    expect(await lightAnswered).toBe(true)
    await Promise.all(flooding)
    // At most what was already sent to the thread (256) and one turn of 64 answers, never the 2 000.
    expect(floodDoneWhenLightAnswered).toBeLessThanOrEqual(256 + 64)
    expect(floodDone).toBe(2000)
    expect(threads.pending).toBe(0)
  })

  it('checks on the thread pool instead when its threads fail', async () => {
    const threads = createVerifyThreads(1, () => process.exit(1))
    const jobs = await signed(20)
    const first = await Promise.all(jobs.map(({ key, signature, digest }) => threads.verify(key, signature, digest)))
    expect(first).toEqual(jobs.map(() => true))
    // Each failed thread is replaced; past the failures allowed, everything goes to the pool at once.
    for (let round = 0; round < 5; round++) {
      const [{ key, signature, digest }] = jobs
      expect(await threads.verify(key, signature, digest)).toBe(true)
    }
    expect(threads.pending).toBe(0)
  })
})

describe('verify threads: a thread dying mid-batch', () => {
  it('checks only the jobs it left unanswered again: each answered once, the pending count back at 0', async () => {
    // Answers the first 64 jobs of its first batch with "no" (the signatures are good: a re-check would say yes), then dies.
    const answersSomeThenDies = () => {
      const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads')
      parentPort?.on('message', (batch: { id: number }) => {
        parentPort.postMessage({ id: batch.id, from: 0, ok: new Uint8Array(64) })
        process.exit(1)
      })
    }
    // The thread pool's checks, counted and awaited: the ones made again after the thread died.
    const rechecks: Promise<boolean>[] = []
    const poolVerify = nodeEcdsa.verify
    const spy = vi.spyOn(nodeEcdsa, 'verify').mockImplementation((...args) => {
      const check = poolVerify(...args)
      rechecks.push(check)
      return check
    })
    try {
      const threads = createVerifyThreads(1, answersSomeThenDies)
      const jobs = await signed(100)
      const results = await Promise.all(jobs.map(({ key, signature, digest }) => threads.verify(key, signature, digest)))
      expect(results).toEqual(jobs.map((_, i) => i >= 64))
      await Promise.all(rechecks)
      expect(rechecks.length).toBe(36)
      expect(threads.pending).toBe(0)
    } finally {
      spy.mockRestore()
    }
  })
})
