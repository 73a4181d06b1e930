import { describe, expect, it } from 'vitest'
import { decodeFrame, joinBatch } from '../../src/mesh/codec.js'

describe('frame codec', () => {
  it('decodes one message, a batch and the "[]" heartbeat', () => {
    expect(decodeFrame('{"#":"a","get":{"#":"x"}}', 1000)).toEqual({ kind: 'messages', messages: [{ '#': 'a', get: { '#': 'x' } }], single: true })
    const batch = decodeFrame('[{"#":"a"},{"#":"b"}]', 1000)
    expect(batch.kind === 'messages' && batch.messages.map((m) => m['#'])).toEqual(['a', 'b'])
    expect(decodeFrame('[]', 1000)).toEqual({ kind: 'messages', messages: [], single: false })
  })
  it('answers malformed JSON starting with [ or { with Gun error text, ignores other text', () => {
    expect(decodeFrame('{"#":', 1000)).toEqual({ kind: 'error', err: 'DAM JSON parse error.' })
    expect(decodeFrame('[1,', 1000)).toEqual({ kind: 'error', err: 'DAM JSON parse error.' })
    expect(decodeFrame('hello', 1000)).toEqual({ kind: 'ignored' })
    expect(decodeFrame('', 1000)).toEqual({ kind: 'ignored' })
  })
  it('refuses frames at or over the limit with "Message too big!"', () => {
    expect(decodeFrame('{"a":"' + 'x'.repeat(100) + '"}', 100)).toEqual({ kind: 'error', err: 'Message too big!' })
  })
  it('drops batch members that are not objects and caps the batch', () => {
    const d = decodeFrame('[1,"x",null,[],{"#":"a"},{"#":"b"},{"#":"c"}]', 1000, 2)
    expect(d.kind === 'messages' && d.messages).toEqual([{ '#': 'a' }, { '#': 'b' }])
  })
  it('keeps __proto__ as an own field and never pollutes prototypes', () => {
    const d = decodeFrame('{"__proto__":{"polluted":1},"#":"p"}', 1000)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(d.kind === 'messages' && Object.hasOwn(d.messages[0], '__proto__')).toBe(true)
  })
  it('joins encoded messages into one frame', () => {
    expect(joinBatch(['{"a":1}'])).toBe('{"a":1}')
    expect(JSON.parse(joinBatch(['{"a":1}', '{"b":2}']))).toEqual([{ a: 1 }, { b: 2 }])
  })
})
