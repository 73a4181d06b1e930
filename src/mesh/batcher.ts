import { nextTurn } from './scheduler.js'

/**
 * Sender-side batching, as Gun's mesh does it: the first message to a peer
 * goes out at once; messages that follow within the same turn are joined
 * into one JSON-array frame, flushed at the end of the turn or as soon as
 * it passes `packChars`. One frame per turn instead of one per message is
 * most of the relay's throughput under load.
 */
export interface Batcher {
  push(text: string): void
  flush(): void
  /** Characters waiting in the batch. */
  readonly pending: number
}

const DEFAULT_PACK_CHARS = 64 * 1024

export function createBatcher(write: (frame: string) => void, packChars = DEFAULT_PACK_CHARS): Batcher {
  let batch: string[] = []
  let chars = 0
  let scheduled = false

  const flush = () => {
    if (batch.length === 0) return
    const frame = batch.length === 1 ? batch[0] : '[' + batch.join(',') + ']'
    batch = []
    chars = 0
    write(frame)
  }

  const onTurn = () => {
    scheduled = false
    flush()
  }

  return {
    push(text) {
      if (!scheduled) {
        // Nothing sent this turn: go now, and batch whatever follows.
        scheduled = true
        nextTurn(onTurn)
        write(text)
        return
      }
      batch.push(text)
      chars += text.length + 1
      if (chars >= packChars) flush()
    },
    flush,
    get pending() {
      return chars
    },
  }
}
