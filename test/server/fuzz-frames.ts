/** Seeded generator of hostile frames: valid-looking messages, mutations of them, and junk. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'big', 'link', '', '_', '#', '>', '\u001b', 'valueOf']

export function createFrameFuzzer(seed: number) {
  const random = mulberry32(seed)
  const int = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]
  const str = () => (random() < 0.3 ? pick(NASTY_KEYS) : randomText(int(12)))
  const randomText = (n: number) => {
    let s = ''
    for (let i = 0; i < n; i++) s += String.fromCharCode(random() < 0.9 ? 97 + int(26) : int(0xffff))
    return s
  }
  const anyValue = (depth: number): unknown => {
    switch (int(depth > 2 ? 7 : 10)) {
      case 0:
        return null
      case 1:
        return str()
      case 2:
        return random() * 1e6 - 5e5
      case 3:
        return random() < 0.5
      case 4:
        return { '#': str() }
      case 5:
        return pick([1e308, -0, 2 ** 53 + 1, 1700000000000, Date.now() + 1e9])
      case 6:
        return randomText(int(40))
      case 7:
        return [anyValue(depth + 1), anyValue(depth + 1)]
      case 8: {
        const o: Record<string, unknown> = {}
        for (let i = int(4); i > 0; i--) Object.defineProperty(o, str(), { value: anyValue(depth + 1), enumerable: true, writable: true, configurable: true })
        return o
      }
      default:
        return undefined
    }
  }
  const soul = () => (random() < 0.2 ? pick(NASTY_KEYS) : `s${int(200)}`)
  const node = (s: string) => {
    const states: Record<string, unknown> = {}
    const out: Record<string, unknown> = {}
    for (let i = int(6); i >= 0; i--) {
      const k = random() < 0.2 ? pick(NASTY_KEYS) : `k${int(20)}`
      Object.defineProperty(out, k, {
        value: random() < 0.8 ? pick(['v', 1, true, null, { '#': 's1' }]) : anyValue(0),
        enumerable: true,
        writable: true,
        configurable: true,
      })
      Object.defineProperty(states, k, { value: random() < 0.9 ? 1700000000000 + int(1e6) : anyValue(0), enumerable: true, writable: true, configurable: true })
    }
    const meta = random() < 0.9 ? { '#': random() < 0.9 ? s : soul(), '>': states } : anyValue(0)
    Object.defineProperty(out, '_', { value: meta, enumerable: true, writable: true, configurable: true })
    return out
  }
  const message = (): Record<string, unknown> => {
    const id = random() < 0.8 ? `z${int(1e9)}` : anyValue(0)
    switch (int(8)) {
      case 0:
      case 1: {
        const put: Record<string, unknown> = {}
        for (let i = int(3); i >= 0; i--) {
          const s = soul()
          Object.defineProperty(put, s, { value: node(s), enumerable: true, writable: true, configurable: true })
        }
        return { '#': id, put }
      }
      case 2:
        return { '#': id, get: random() < 0.8 ? { '#': soul(), '.': random() < 0.5 ? `k${int(20)}` : anyValue(0) } : anyValue(0) }
      case 3:
        return {
          '#': id,
          '@': random() < 0.5 ? `z${int(1e9)}` : anyValue(0),
          ok: anyValue(0),
          put: random() < 0.5 ? { s1: node('s1') } : anyValue(0),
          '%': anyValue(0),
          '##': anyValue(0),
        }
      case 4:
        return { '#': id, dam: pick(['?', '!', 'mob', 'hi', 'opt', 'tag', '']), pid: anyValue(0), '@': anyValue(0), peers: anyValue(0), err: anyValue(0) }
      case 5:
        return { '#': id, '><': anyValue(0), get: { '#': soul() } }
      case 6: {
        const o: Record<string, unknown> = {}
        for (let i = int(5); i >= 0; i--) Object.defineProperty(o, str(), { value: anyValue(0), enumerable: true, writable: true, configurable: true })
        return o
      }
      default:
        return { '#': id, put: anyValue(0), get: anyValue(0) }
    }
  }
  const mutate = (text: string): string => {
    switch (int(6)) {
      case 0:
        return text.slice(0, int(text.length))
      case 1: {
        const at = int(text.length)
        return text.slice(0, at) + pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'null']) + text.slice(at + 1)
      }
      case 2:
        return text.replace(/"[a-z#@>_.]"/, () => JSON.stringify(pick(NASTY_KEYS)))
      case 3:
        return '['.repeat(int(5000)) + text
      case 4:
        return text + text
      default:
        return randomText(int(50))
    }
  }
  return (): string => {
    const r = random()
    if (r < 0.45) return JSON.stringify(message())
    if (r < 0.6) return JSON.stringify(Array.from({ length: 1 + int(8) }, message))
    if (r < 0.95) return mutate(JSON.stringify(message()))
    return pick(['[]', '{}', '', 'null', '[null]', '[[]]', '"str"', '1', '{"#":{}}', '{"dam":"?"}'])
  }
}
