import { type Kind, type KindValue, LOG_LEVELS, type Option, type StaticMount } from './config-options.js'

/** A configuration mistake, with a message that says what and where. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i
const TIME = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i
const LIST_KINDS: ReadonlySet<Kind> = new Set(['urls', 'origins', 'tokens', 'mounts'])

/** A byte count in the largest unit that divides it, as --help and errors write sizes. */
function sizeText(bytes: number): string {
  for (const [unit, factor] of [
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`
  }
  return `${bytes} bytes`
}

function listOf(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
}

/** Path segments a mount may hold: no empty, `.` or `..` segment, no percent-encoding or characters a URL would escape. */
const MOUNT = /^\/(?:(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~!$&'()*+;=@-]+\/)*(?:(?!\.{1,2}$)[A-Za-z0-9._~!$&'()*+;=@-]+)?$/

/**
 * `DIR` or `DIR:/MOUNT`. The mount is what follows the last `:` when that starts with `/`, so a
 * Windows drive (`C:\site`) stays part of the folder. A trailing slash on the mount is dropped.
 */
function readMount(entry: string): StaticMount | undefined {
  const colon = entry.lastIndexOf(':')
  const hasMount = colon >= 0 && entry[colon + 1] === '/'
  const dir = hasMount ? entry.slice(0, colon) : entry
  const raw = hasMount ? entry.slice(colon + 1) : '/'
  const mount = raw.length > 1 ? raw.replace(/\/+$/, '') : raw
  if (dir === '' || !MOUNT.test(mount)) return undefined
  return { dir, mount }
}

/**
 * Turn one raw setting (a flag's or variable's text, or a config file's JSON value)
 * into its typed value, or throw a ConfigError naming the setting and `where` it came from.
 */
export function readValue(option: Option, raw: unknown, where: string): KindValue[Kind] {
  const noun = option.kind === 'urls' ? 'peer URL' : option.kind === 'origins' ? 'CORS origin' : option.flag.replace(/-/g, ' ')
  const fail = (expected: string, bad: unknown = raw): never => {
    throw new ConfigError(`invalid ${noun} '${typeof bad === 'string' ? bad : JSON.stringify(bad)}': expected ${expected} (${where})`)
  }
  const text =
    typeof raw === 'string'
      ? raw.trim()
      : typeof raw === 'number' || typeof raw === 'boolean'
        ? String(raw)
        : Array.isArray(raw) && LIST_KINDS.has(option.kind)
          ? raw.map(String).join(',')
          : fail('a string or number')
  switch (option.kind) {
    case 'port': {
      const n = Number(text)
      if (!/^\d+$/.test(text) || n > 65535) fail('an integer from 0 to 65535')
      return n
    }
    case 'count': {
      const n = Number(text)
      if (!/^\d+$/.test(text) || n < 1 || n > 10_000_000) fail('an integer from 1 to 10000000')
      return n
    }
    case 'string':
      if (text === '') fail('a non-empty value')
      return text
    case 'path':
      return text
    case 'level': {
      const level = LOG_LEVELS.find((l) => l === text)
      return level ?? fail(`one of ${LOG_LEVELS.join(', ')}`)
    }
    case 'bytes': {
      const m = SIZE.exec(text) ?? fail('a size such as 1048576, 512kb or 1mb')
      const unit = m[2]?.toLowerCase() ?? 'b'
      const factor = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('k') ? 1024 : 1
      const n = Math.floor(Number(m[1]) * factor)
      const most = option.maxBytes ?? 1024 ** 3
      if (n < 1 || n > most) fail(`a size from 1 byte to ${sizeText(most)}`)
      return n
    }
    case 'duration': {
      const m = TIME.exec(text) ?? fail('a time such as 500ms, 30s or 2m')
      const unit = m[2]?.toLowerCase() ?? 'ms'
      const factor = unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1
      const n = Math.round(Number(m[1]) * factor)
      if (n > 24 * 3_600_000) fail('at most 24h')
      return n
    }
    case 'bool': {
      const lower = text.toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true
      if (['0', 'false', 'no', 'off'].includes(lower)) return false
      return fail('true or false')
    }
    case 'urls': {
      const urls = listOf(text)
      for (const url of urls) if (!/^(https?|wss?):\/\/[^/\s]+/.test(url)) fail('http(s):// or ws(s):// URLs', url)
      return urls
    }
    case 'tokens': {
      const tokens = listOf(text)
      for (const token of tokens) if (token.length < 16) fail('tokens of at least 16 characters', `a ${token.length}-character token`)
      return tokens
    }
    case 'mounts':
      return listOf(text).map((entry) => readMount(entry) ?? fail('DIR or DIR:/mount, the mount a URL path such as /app', entry))
    case 'origins': {
      if (text === '*') return '*'
      const origins = listOf(text)
      for (const origin of origins) if (!/^https?:\/\/[^/\s]+$/.test(origin)) fail("'*' or origins like https://app.example.com", origin)
      return origins
    }
  }
}
