import type { Ack } from '../engine-types.js'

/**
 * Writes waiting for their first ack, told `No ACK yet.` (Gun's `lack`)
 * when `timeoutMs` passes first. Every write waits equally long, so
 * insertion order is deadline order: one timer serves them all, where a
 * timer per write would cost an allocation and a timer-list entry on the
 * hottest path a client has.
 */
export interface AckDeadlines {
  /** Call `answer(lack)` unless `delete(id)` comes first. */
  expectBy(id: string, answer: (ack: Ack) => void): void
  delete(id: string): void
  readonly size: number
}

/** Gun's text for a write no peer acknowledged in time. */
export const NO_ACK = 'Error: No ACK yet.'

/**
 * `lackText` words the timeout (the root adds a hint when no peer was ever reached); the text
 * always starts with Gun's, `NO_ACK`.
 */
export function createAckDeadlines(timeoutMs: number, now: () => number = Date.now, lackText: () => string = () => NO_ACK): AckDeadlines {
  const waiting = new Map<string, { deadline: number; answer: (ack: Ack) => void }>()
  let timer: ReturnType<typeof setTimeout> | undefined

  const arm = (deadline: number) => {
    timer = setTimeout(expire, Math.max(0, deadline - now()))
    // reason: a pending ack must not keep a process alive on its own (as Gun's own timers don't).
    ;(timer as { unref?: () => void }).unref?.()
  }

  const expire = () => {
    timer = undefined
    const time = now()
    for (const [id, entry] of waiting) {
      if (entry.deadline > time) return arm(entry.deadline)
      waiting.delete(id)
      entry.answer({ err: lackText(), lack: true })
    }
  }

  return {
    expectBy(id, answer) {
      const deadline = now() + timeoutMs
      waiting.set(id, { deadline, answer })
      if (timer === undefined) arm(deadline)
    },
    delete(id) {
      waiting.delete(id)
    },
    get size() {
      return waiting.size
    },
  }
}
