import { FRAME_PARSE_ERROR, FRAME_TOO_BIG, isPlainObject, type WireMessage } from './message.js'

/**
 * What one text frame holds: messages, an error Gun would answer with
 * `{"dam":"!","err":…}`, or nothing worth answering (Gun ignores text that
 * does not start with `[` or `{`).
 */
export type Decoded = { kind: 'messages'; messages: WireMessage[]; single: boolean } | { kind: 'error'; err: string } | { kind: 'ignored' }

const IGNORED: Decoded = { kind: 'ignored' }

/**
 * Decode a frame: one message `{…}` or a batch `[{…},…]` (`"[]"` is a heartbeat).
 * Batch members that are not objects are dropped; at most `maxMessages` are kept.
 */
export function decodeFrame(text: string, maxChars: number, maxMessages = 10_000): Decoded {
  if (text.length >= maxChars) return { kind: 'error', err: FRAME_TOO_BIG }
  const first = text.charCodeAt(0)
  if (first === 0x5b /* [ */) {
    if (text === '[]') return { kind: 'messages', messages: [], single: false }
    const parsed = tryParse(text)
    if (!Array.isArray(parsed)) return { kind: 'error', err: FRAME_PARSE_ERROR }
    const messages: WireMessage[] = []
    for (let i = 0; i < parsed.length && messages.length < maxMessages; i++) {
      const item: unknown = parsed[i]
      if (isPlainObject(item)) messages.push(item)
    }
    return { kind: 'messages', messages, single: false }
  }
  if (first === 0x7b /* { */) {
    const parsed = tryParse(text)
    if (!isPlainObject(parsed)) return { kind: 'error', err: FRAME_PARSE_ERROR }
    return { kind: 'messages', messages: [parsed], single: true }
  }
  return IGNORED
}

const PARSE_FAILED = Symbol('parse failed')

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return PARSE_FAILED
  }
}

/** Join already-encoded messages into one frame. */
export function joinBatch(texts: readonly string[]): string {
  return texts.length === 1 ? texts[0] : '[' + texts.join(',') + ']'
}
