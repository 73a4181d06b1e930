import { KeyObject } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { TrellisError } from '../core/errors.js'
import { Fifo } from '../core/fifo.js'
import type { Ecdsa } from './ecdsa.js'
import { nodeEcdsa } from './ecdsa-node.js'

/**
 * ECDSA verifications on worker threads of their own, for relays.
 *
 * Node's asynchronous `crypto.verify` runs on the libuv thread pool, the pool the relay's disk writes
 * and fsyncs also wait in, first come first served. Under a stream of signed puts, each put's fsync
 * queued behind every verification before it: at 256 puts in flight an ack waited ~10 ms for
 * durability instead of ~3, and the writer's window sat idle (BENCHMARKS.md, "Signed puts: the
 * verifications leave the disk's thread pool"). Here verifications go in batches, one message per
 * batch, to threads that do nothing else, and the libuv pool is left to the disk.
 *
 * Checks wait in one queue per source (the peer whose put they are; the process's own in another) and
 * are sent in turn, one from each source, so a peer flooding checks delays another's by a check per
 * flooding peer, not by its whole backlog. A thread is sent at most `MAX_BATCH` at a time and has at
 * most `IN_FLIGHT` unanswered; results come back 64 at a time, and each answer makes room for more. Signatures
 * that are not 64 bytes (legacy ones stored as text) and everything after a thread failed more than
 * `MAX_FAILURES` times go to `nodeEcdsa.verify`, the thread pool, as before.
 *
 * Peers pay for their checks from their budgets (put-handler.ts), which bounds each one's share; past
 * `maxPending` checks waiting in all, or a quarter of that for one source (a single frame can hold tens
 * of thousands of signed keys), a check is refused at once (`QUOTA`, and the put with it) rather than
 * queued: ~6 s of work for one thread, a few tens of MB.
 */
export interface VerifyThreads {
  verify: Ecdsa['verify']
  /** Checks asked for and not answered yet (at most `maxPending`). */
  readonly pending: number
  readonly threads: number
}

const MAX_BATCH = 256
/** Unanswered checks a thread may hold: enough to keep it busy between answers (~20 ms of work). */
const IN_FLIGHT = 256
const MAX_FAILURES = 3
const MAX_PENDING = 65_536

/** One verification waiting for its thread. */
interface Job {
  key: CryptoKey
  signature: Uint8Array<ArrayBuffer>
  digest: Uint8Array<ArrayBuffer>
  resolve: (ok: boolean) => void
}

/** What a thread is sent: the batch's distinct keys (SPKI DER), each job's key index, signatures (64 bytes each) and digests (32). */
interface BatchMessage {
  id: number
  keys: Uint8Array[]
  keyOf: Uint16Array
  signatures: Uint8Array
  digests: Uint8Array
}

/** What a thread answers: for jobs `from`, `from + 1`, …, 1 if the signature holds. */
interface ResultMessage {
  id: number
  from: number
  ok: Uint8Array
}

// Bounded like keyObjects in ecdsa-node.ts: an entry goes when its CryptoKey does (keys.ts bounds those).
const spkiOf = new WeakMap<CryptoKey, Uint8Array>()

function spki(key: CryptoKey): Uint8Array {
  let der = spkiOf.get(key)
  if (der === undefined) spkiOf.set(key, (der = new Uint8Array(KeyObject.from(key).export({ type: 'spki', format: 'der' }))))
  return der
}

/** A batch sent to a thread; its answers come in order, so `answered` jobs from the start are done. */
interface Batch {
  jobs: Job[]
  answered: number
}

class VerifyThread {
  readonly worker: Worker
  readonly batches = new Map<number, Batch>()
  pending = 0
  failed = false

  constructor(
    program: () => void,
    onFailure: (thread: VerifyThread) => void,
    private readonly onAnswer: () => void,
  ) {
    // Evaluated source rather than a file: the same code runs from `src/` under the tests and from `dist/`.
    this.worker = new Worker(`(${program.toString()})()`, { eval: true })
    this.worker.unref()
    this.worker.on('message', (message: ResultMessage) => this.answered(message))
    this.worker.on('error', () => onFailure(this))
    this.worker.on('exit', () => onFailure(this))
  }

  send(id: number, jobs: Job[]): void {
    const keys: Uint8Array[] = []
    const keyIndex = new Map<CryptoKey, number>()
    const keyOf = new Uint16Array(jobs.length)
    const signatures = new Uint8Array(jobs.length * 64)
    const digests = new Uint8Array(jobs.length * 32)
    for (let i = 0; i < jobs.length; i++) {
      const job = jobs[i]
      let index = keyIndex.get(job.key)
      if (index === undefined) {
        keyIndex.set(job.key, (index = keys.length))
        keys.push(spki(job.key))
      }
      keyOf[i] = index
      signatures.set(job.signature, i * 64)
      digests.set(job.digest, i * 32)
    }
    this.batches.set(id, { jobs, answered: 0 })
    if (this.pending === 0) this.worker.ref()
    this.pending += jobs.length
    const message: BatchMessage = { id, keys, keyOf, signatures, digests }
    this.worker.postMessage(message, [keyOf.buffer, signatures.buffer, digests.buffer])
  }

  private answered({ id, from, ok }: ResultMessage): void {
    const batch = this.batches.get(id)
    if (batch === undefined) return
    const jobs = batch.jobs
    for (let i = 0; i < ok.length; i++) jobs[from + i].resolve(ok[i] === 1)
    batch.answered = from + ok.length
    if (batch.answered === jobs.length) this.batches.delete(id)
    this.pending -= ok.length
    if (this.pending === 0) this.worker.unref()
    this.onAnswer()
  }
}

/** One source's checks: those not sent yet, in order, and how many are not answered (sent or not). */
class Source {
  readonly waiting = new Fifo<Job>()
  held = 0
}

/**
 * `threadCount` threads (default: one fewer than the machine's cores, at least 1, at most 4), each
 * running `program` (the tests pass one that fails), with at most `maxPending` checks waiting.
 */
export function createVerifyThreads(
  threadCount = Math.max(1, Math.min(4, availableParallelism() - 1)),
  program = verifyThreadMain,
  maxPending = MAX_PENDING,
): VerifyThreads {
  const threads: VerifyThread[] = []
  let pending = 0
  // By source, in the order they came (a Map keeps it): the turns go round them; `undefined` is the process's own.
  // A source goes once all its checks are answered; none may hold more than a quarter of the bound.
  const sources = new Map<object | undefined, Source>()
  const maxPerSource = Math.max(1, maxPending >> 2)
  let failures = 0
  let nextBatch = 0
  /** Checks not sent to a thread yet, all sources together. */
  let queued = 0
  let scheduled = false

  /**
   * A thread that died answers nothing more: its unanswered jobs are checked on the thread pool instead
   * (only those: an answered job checked again would be answered twice, and counted off `pending` twice).
   */
  const onFailure = (thread: VerifyThread) => {
    if (thread.failed) return
    thread.failed = true
    failures++
    threads.splice(threads.indexOf(thread), 1)
    for (const { jobs, answered } of thread.batches.values()) for (let i = answered; i < jobs.length; i++) fallback(jobs[i])
    thread.batches.clear()
    thread.pending = 0
    send()
  }

  const fallback = (job: Job) => {
    nodeEcdsa.verify(job.key, job.signature, job.digest).then(job.resolve)
  }

  /** Up to `count` queued checks, one from each source in turn. */
  const take = (count: number): Job[] => {
    const jobs: Job[] = []
    while (jobs.length < count && queued > 0) {
      for (const { waiting } of sources.values()) {
        const job = waiting.shift()
        if (job === undefined) continue
        jobs.push(job)
        queued--
        if (jobs.length === count) break
      }
    }
    return jobs
  }

  /** Fill every thread up to `IN_FLIGHT`, least loaded first. */
  const send = () => {
    if (queued === 0) return
    if (failures > MAX_FAILURES) return take(queued).forEach(fallback)
    while (threads.length < threadCount) threads.push(new VerifyThread(program, onFailure, send))
    for (;;) {
      let least = threads[0]
      for (const thread of threads) if (thread.pending < least.pending) least = thread
      const room = Math.min(MAX_BATCH, IN_FLIGHT - least.pending)
      if (room <= 0 || queued === 0) return
      least.send(nextBatch++, take(room))
    }
  }

  const flush = () => {
    scheduled = false
    send()
  }

  return {
    verify: (key, signature, digest, source) =>
      new Promise((resolve, reject) => {
        const mine = sources.get(source) ?? new Source()
        if (pending >= maxPending || mine.held >= maxPerSource) return reject(new TrellisError('QUOTA', 'Too many signatures waiting to be checked.'))
        if (mine.held++ === 0) sources.set(source, mine)
        pending++
        const job: Job = {
          key,
          signature,
          digest,
          resolve: (ok) => {
            pending--
            if (--mine.held === 0) sources.delete(source)
            resolve(ok)
          },
        }
        if (signature.length !== 64 || digest.length !== 32) return fallback(job)
        mine.waiting.push(job)
        queued++
        // A turn asking for many checks starts the threads on the first of them at once.
        if (queued >= MAX_BATCH) send()
        else if (!scheduled) {
          scheduled = true
          setImmediate(flush)
        }
      }),
    get pending() {
      return pending
    },
    get threads() {
      return threads.length
    },
  }
}

/**
 * A verify thread's whole program, run from its source text: it may use nothing outside its own body.
 * Keys arrive as SPKI DER and are imported once (at most 10 000 kept, oldest dropped).
 */
function verifyThreadMain(): void {
  const { createPublicKey, verify } = require('node:crypto') as typeof import('node:crypto')
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads')
  const port = parentPort as NonNullable<typeof parentPort>
  const CHUNK = 64
  const MAX_KEYS = 10_000
  const imported = new Map<string, import('node:crypto').KeyObject | undefined>()
  const keyFor = (der: Uint8Array) => {
    const id = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64')
    if (imported.has(id)) return imported.get(id)
    let key: import('node:crypto').KeyObject | undefined
    try {
      key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    } catch {
      key = undefined
    }
    if (imported.size >= MAX_KEYS) imported.delete(imported.keys().next().value as string)
    imported.set(id, key)
    return key
  }
  port.on('message', (batch: { id: number; keys: Uint8Array[]; keyOf: Uint16Array; signatures: Uint8Array; digests: Uint8Array }) => {
    const keys = batch.keys.map(keyFor)
    const count = batch.keyOf.length
    for (let from = 0; from < count; from += CHUNK) {
      const ok = new Uint8Array(Math.min(CHUNK, count - from))
      for (let i = 0; i < ok.length; i++) {
        const at = from + i
        const key = keys[batch.keyOf[at]]
        try {
          const signature = batch.signatures.subarray(at * 64, at * 64 + 64)
          const digest = batch.digests.subarray(at * 32, at * 32 + 32)
          ok[i] = key !== undefined && verify('sha256', digest, { key, dsaEncoding: 'ieee-p1363' }, signature) ? 1 : 0
        } catch {
          ok[i] = 0
        }
      }
      port.postMessage({ id: batch.id, from, ok }, [ok.buffer])
    }
  })
}

/** The relay's verifier, one per process (its threads start on the first verification). */
export const relayVerifyThreads = createVerifyThreads()

/** Node's primitives with verifications on `relayVerifyThreads`: what a relay process uses. */
export const relayEcdsa: Ecdsa = { ...nodeEcdsa, verify: relayVerifyThreads.verify }
