import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { type Kind, type Option, OPTIONS, type ServerConfig } from './config-options.js'
import { ConfigError, readValue } from './config-values.js'

export type { ServerConfig } from './config-options.js'
export { ConfigError } from './config-values.js'

type Key = keyof typeof OPTIONS
const ENTRIES = Object.entries(OPTIONS) as [Key, Option][]
const BY_FLAG = new Map(ENTRIES.map(([key, option]) => [option.flag, key]))

/** Config file keys are the flags in camelCase (bodyLimit for --body-limit). */
function fileKey(option: Option): string {
  return option.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
}
const BY_FILE_KEY = new Map(ENTRIES.filter(([key]) => key !== 'config').map(([key, option]) => [fileKey(option), key]))

/** What parseArgs is told: a string or boolean per flag, a `--no-` twin for each boolean, and -h. */
const ARGS = Object.fromEntries([
  ['help', { type: 'boolean', short: 'h' }],
  ...ENTRIES.flatMap(([, o]) =>
    o.kind === 'bool'
      ? [
          [o.flag, { type: 'boolean' }],
          [`no-${o.flag}`, { type: 'boolean' }],
        ]
      : [[o.flag, { type: 'string' }]],
  ),
]) as Record<string, { type: 'string' | 'boolean'; short?: string }>

const PLACEHOLDER: Record<Kind, string> = {
  port: '<n>',
  count: '<n>',
  bytes: '<size>',
  duration: '<time>',
  bool: '',
  string: '<text>',
  path: '<path>',
  level: '<level>',
  urls: '<urls>',
  tokens: '<tokens>',
  origins: '<origins>',
  mounts: '<dir[:/mount]>',
}

/** Every option's default, read from its text in OPTIONS (fresh lists each call). */
function defaults(): ServerConfig {
  const config: Record<string, unknown> = {}
  for (const [key, option] of ENTRIES) {
    if (key !== 'memory' && key !== 'config') config[key] = option.default === undefined ? undefined : readValue(option, option.default, 'default')
  }
  return config as ServerConfig
}

/** Every option's default (config-options.ts), as `trellis serve` starts with no file, environment or flags. */
export const DEFAULT_CONFIG: ServerConfig = defaults()

/** `trellis serve --help`, generated from the option table. */
export function serveHelp(): string {
  const flags = ENTRIES.map(([, o]) => `--${o.flag}${o.kind === 'bool' ? '' : ` ${o.value ?? PLACEHOLDER[o.kind]}`}`)
  // The widest flag sets the column, so a long one never runs into its help text.
  const width = Math.max(...flags.map((f) => f.length)) + 2
  const rows = ENTRIES.map(([, o], i) => {
    const shown = o.default === undefined || o.default === '' ? (o.unset ?? 'none') : o.default
    return `  ${flags[i].padEnd(width)}${o.help}\n  ${''.padEnd(width)}${o.env !== undefined ? `env ${o.env}, ` : ''}default ${shown}`
  })
  return [
    'Usage: trellis serve [options]',
    '',
    "Run a relay: Gun's wire protocol over WebSocket at /gun, durable storage, the REST API",
    'under /api/v1, /healthz, /readyz, /metrics, and the admin UI at /.',
    '',
    'Every option is also an environment variable and a config file key (camelCase of the',
    'flag, e.g. bodyLimit). Flags win over the environment, which wins over the file.',
    '',
    'Options:',
    ...rows,
    '  -h, --help                Show this help',
    '',
    'Sizes take b, kb, mb, gb; times take ms, s, m (a bare number is bytes or milliseconds).',
    'SIGTERM/SIGINT: stop accepting, finish in-flight writes, flush storage, close peers, exit 0.',
    '',
  ].join('\n')
}

/**
 * Split argv into option → raw text with parseArgs. Not strict: parseArgs splits the words,
 * and the errors are ours, worded like those for the environment and the file.
 */
function readFlags(argv: string[]): { values: Map<Key, unknown>; help: boolean } {
  const { tokens } = parseArgs({ args: argv, options: ARGS, strict: false, allowPositionals: true, tokens: true })
  const values = new Map<Key, unknown>()
  let help = false
  for (const token of tokens) {
    if (token.kind === 'positional') throw new ConfigError(`unexpected argument '${token.value}'`)
    if (token.kind === 'option-terminator') continue
    if (token.name === 'help') {
      help = true
      continue
    }
    const negated = token.name.startsWith('no-') ? BY_FLAG.get(token.name.slice(3)) : undefined
    if (negated !== undefined && OPTIONS[negated].kind === 'bool') {
      if (token.inlineValue === true) throw new ConfigError(`${token.rawName} takes no value`)
      values.set(negated, false)
      continue
    }
    const key = BY_FLAG.get(token.name)
    if (key === undefined) throw new ConfigError(`unknown option '${token.rawName}'`)
    const option: Option = OPTIONS[key]
    if (option.kind === 'bool') {
      values.set(key, token.value ?? true)
      continue
    }
    // parseArgs takes the next word as the value even when it is the next flag (`--port --host x`).
    const missing = token.value === undefined || (token.inlineValue !== true && token.value.startsWith('--') && token.value !== '--')
    if (missing) throw new ConfigError(`option '${token.rawName}' needs a value ${option.value ?? PLACEHOLDER[option.kind]}`)
    // A repeatable option (--static) gathers every occurrence; any other takes the last.
    if (option.kind === 'mounts') values.set(key, [...((values.get(key) as string[] | undefined) ?? []), token.value])
    else values.set(key, token.value)
  }
  return { values, help }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`)
  return parsed as Record<string, unknown>
}

/**
 * Defaults, then the config file, then the environment, then flags.
 * Returns 'help' for --help; throws ConfigError with a clear message otherwise.
 */
export function loadServerConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig | 'help' {
  const flags = readFlags(argv)
  if (flags.help) return 'help'
  const settings = new Map<Key, unknown>()

  const configPath = (flags.values.get('config') as string | undefined) ?? env[OPTIONS.config.env]
  if (configPath !== undefined && configPath !== '') {
    const file = readConfigFile(configPath)
    for (const name of Object.keys(file)) {
      const key = BY_FILE_KEY.get(name)
      if (key === undefined) throw new ConfigError(`unknown setting '${name}' in ${configPath} (known: ${[...BY_FILE_KEY.keys()].join(', ')})`)
      settings.set(key, readValue(OPTIONS[key], file[name], `'${name}' in ${configPath}`))
    }
  }
  for (const [key, option] of ENTRIES) {
    const raw = option.env === undefined || key === 'config' ? undefined : env[option.env]
    if (raw !== undefined) settings.set(key, readValue(option, raw, `environment variable ${option.env}`))
  }
  for (const [key, raw] of flags.values) {
    if (key !== 'config') settings.set(key, readValue(OPTIONS[key], raw, `--${OPTIONS[key].flag}`))
  }

  const config = defaults()
  for (const [key, value] of settings) {
    if (key !== 'memory' && key !== 'config') (config as Record<string, unknown>)[key] = value
  }
  if (settings.get('memory') === true || config.dataDir === '') config.dataDir = undefined
  return config
}
