import type { Value } from './types.js'

/** One key whose state lies in the future, waiting to be applied. */
export interface DeferredWrite<O> {
  /** Journal id (the storage's pending journal removes it by this once applied). */
  id: string
  soul: string
  key: string
  value: Value
  state: number
  origin: O
  /** When to release it: its state, or a later retry time after storage refused it. */
  due: number
  /** Estimated bytes held, counted against the queue's byte bound. */
  bytes: number
  /** Set when the write was withdrawn (its journal entry failed): skipped when it comes up. */
  cancelled: boolean
  /** Who waits for it to be applied; undefined once nobody does (already acknowledged). */
  waiter: DeferredWaiter | undefined
}

/** The writes of one put held in the queue, and what its acknowledgement waits for. */
export interface DeferredWaiter {
  /** Writes not yet settled. */
  remaining: number
  /** False until the journal made them durable (always true without a journal). */
  journaled: boolean
  /** Writes released while the journal entry was still being written: released once it is. */
  held: DeferredWrite<unknown>[] | undefined
  resolve(): void
  reject(error: unknown): void
}

/** Largest delay a timer accepts (Gun caps the same way). */
const MAX_TIMER_MS = 2_147_483_647

/** Bytes a held write costs beyond its strings: the record, heap slot, journal entry. */
const WRITE_OVERHEAD = 160

/** Estimated bytes of a held write (UTF-16 strings: two bytes a char, an upper bound). */
export function deferredBytes(soul: string, key: string, value: Value): number {
  let bytes = WRITE_OVERHEAD + 2 * (soul.length + key.length)
  if (typeof value === 'string') bytes += 2 * value.length
  else if (value !== null && typeof value === 'object') bytes += 32 + 2 * value['#'].length
  return bytes
}

export interface DeferredQueue<O> {
  /** Writes held, including released ones not yet settled. */
  readonly size: number
  readonly bytes: number
  /** Could `count` more writes of `bytes` be held without passing a bound? */
  fits(count: number, bytes: number): boolean
  /** Hold a write (callers check `fits` first: the queue never evicts). O(log n). */
  add(item: DeferredWrite<O>): void
  /** Hold it again, to be released at `at` (storage refused it). */
  retry(item: DeferredWrite<O>, at: number): void
  /** The write is done (applied, or withdrawn): it no longer counts. */
  settle(item: DeferredWrite<O>): void
  clear(): DeferredWrite<O>[]
}

/**
 * Writes from the future, held until due: a binary min-heap on due time
 * (O(log n) per add and per release), one timer for the earliest. Bounded
 * in count and bytes; the engine checks `fits` for a whole put before it
 * applies anything, so a full queue refuses new puts and never evicts a
 * write it already acknowledged. A write counts from `add` until `settle`,
 * so writes released but not yet durable still count.
 */
export function createDeferredQueue<O>(maxCount: number, maxBytes: number, now: () => number, release: (due: DeferredWrite<O>[]) => void): DeferredQueue<O> {
  const heap: DeferredWrite<O>[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerDue = Infinity
  let count = 0
  let bytes = 0

  const schedule = () => {
    const first = heap[0]
    if (first === undefined) return
    if (timer !== undefined && timerDue <= first.due) return
    if (timer !== undefined) clearTimeout(timer)
    timerDue = first.due
    timer = setTimeout(fire, Math.min(Math.max(0, Math.ceil(first.due - now())), MAX_TIMER_MS))
    // A pending future write must not keep a Node process alive on its own.
    ;(timer as { unref?: () => void }).unref?.()
  }

  const fire = () => {
    timer = undefined
    timerDue = Infinity
    const t = now()
    const due: DeferredWrite<O>[] = []
    while (heap.length > 0 && heap[0].due <= t) {
      const item = pop()
      if (!item.cancelled) due.push(item)
    }
    if (due.length > 0) release(due)
    schedule()
  }

  const push = (item: DeferredWrite<O>) => {
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent].due <= item.due) break
      heap[i] = heap[parent]
      i = parent
    }
    heap[i] = item
  }

  const pop = (): DeferredWrite<O> => {
    const top = heap[0]
    const last = heap.pop() as DeferredWrite<O>
    const n = heap.length
    if (n > 0) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= n) break
        const r = l + 1
        const m = r < n && heap[r].due < heap[l].due ? r : l
        if (heap[m].due >= last.due) break
        heap[i] = heap[m]
        i = m
      }
      heap[i] = last
    }
    return top
  }

  return {
    get size() {
      return count
    },
    get bytes() {
      return bytes
    },
    fits(more, moreBytes) {
      return count + more <= maxCount && bytes + moreBytes <= maxBytes
    },
    add(item) {
      count++
      bytes += item.bytes
      push(item)
      schedule()
    },
    retry(item, at) {
      item.due = at
      push(item)
      schedule()
    },
    settle(item) {
      count--
      bytes -= item.bytes
    },
    clear() {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      timerDue = Infinity
      const held = heap.splice(0, heap.length)
      count = 0
      bytes = 0
      return held
    },
  }
}
