import type { Value } from './types.js'

/** One key whose state lies in the future, waiting to be applied. */
export interface DeferredWrite<O> {
  soul: string
  key: string
  value: Value
  state: number
  origin: O
}

/** Largest delay a timer accepts (Gun caps the same way). */
const MAX_TIMER_MS = 2_147_483_647

/**
 * Writes from the future, held in memory until due (a min-heap on state,
 * one timer for the earliest). Bounded: when full, the write due last is
 * refused, so a peer sending far-future states cannot grow memory.
 */
export function createDeferredQueue<O>(
  capacity: number,
  now: () => number,
  release: (due: DeferredWrite<O>[]) => void,
) {
  const heap: DeferredWrite<O>[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerDue = Infinity

  const schedule = () => {
    const first = heap[0]
    if (first === undefined) return
    if (timer !== undefined && timerDue <= first.state) return
    if (timer !== undefined) clearTimeout(timer)
    timerDue = first.state
    timer = setTimeout(fire, Math.min(Math.max(0, Math.ceil(first.state - now())), MAX_TIMER_MS))
    // A pending future write must not keep a Node process alive on its own.
    ;(timer as { unref?: () => void }).unref?.()
  }

  const fire = () => {
    timer = undefined
    timerDue = Infinity
    const t = now()
    const due: DeferredWrite<O>[] = []
    while (heap.length > 0 && heap[0].state <= t) due.push(pop())
    if (due.length > 0) release(due)
    schedule()
  }

  const push = (item: DeferredWrite<O>) => {
    heap.push(item)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent].state <= heap[i].state) break
      ;[heap[parent], heap[i]] = [heap[i], heap[parent]]
      i = parent
    }
  }

  const pop = (): DeferredWrite<O> => {
    const top = heap[0]
    const last = heap.pop() as DeferredWrite<O>
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && heap[l].state < heap[m].state) m = l
        if (r < heap.length && heap[r].state < heap[m].state) m = r
        if (m === i) break
        ;[heap[m], heap[i]] = [heap[i], heap[m]]
        i = m
      }
    }
    return top
  }

  return {
    get size() {
      return heap.length
    },
    /** Hold a write; false when the queue is full and this write is due later than all it holds. */
    add(item: DeferredWrite<O>): boolean {
      if (heap.length >= capacity) {
        let farthest = 0
        for (let i = 1; i < heap.length; i++) if (heap[i].state > heap[farthest].state) farthest = i
        if (heap[farthest].state <= item.state) return false
        heap.splice(farthest, 1)
        heap.sort((a, b) => a.state - b.state) // a sorted array is a valid heap
      }
      push(item)
      schedule()
      return true
    },
    clear() {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      heap.length = 0
    },
  }
}
