import { readFileSync } from 'node:fs'

/** Everything `trellis serve` can be told, after defaults, config file, environment and flags. */
export interface ServerConfig {
  port: number
  host: string
  /** Log storage directory; undefined keeps data in memory. */
  dataDir: string | undefined
  peers: string[]
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Origins allowed to call the API from browsers: a list, or `'*'`. Empty: no CORS. */
  corsOrigins: string[] | '*'
  bodyLimit: number
  maxPeers: number
  maxSubscribers: number
  /** Nodes kept in memory in front of the storage (oldest first out). */
  maxMemoryNodes: number
  /** Estimated bytes of the nodes kept in memory in front of the storage (oldest first out). */
  maxMemoryBytes: number
  /** Estimated bytes of decoded nodes the log storage caches behind that (least recently used out). */
  storageCacheBytes: number
  /** Future-state keys held until due; past it (or the bytes bound) a put with future keys is refused. */
  maxDeferred: number
  maxDeferredBytes: number
  /** A put with a state further ahead of the relay's clock is refused. */
  maxFutureMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
  shutdownTimeoutMs: number
  admin: boolean
  metrics: boolean
  api: boolean
  /** Longest soul / key / string value a write may carry (wire, REST, chain), in chars. */
  maxSoulChars: number
  maxKeyChars: number
  maxValueChars: number
  /** Largest `GET /api/v1/souls` answer, in bytes. */
  maxListBytes: number
  /** Shared cluster secret: accepted links that prove it are relay peers (undefined: none). */
  peerSecret: string | undefined
  /** Bytes queued for one connection before it is dropped as a slow consumer. */
  maxSendQueue: number
  maxDedupBytes: number
  maxRouteBytes: number
  maxSubscriptionBytes: number
  maxSubscriptionBytesPerPeer: number
  // ---- fairness and partial frames (docs/mesh.md "Fairness") ----
  /** Bytes of partially received frames across all Gun sockets. */
  maxPartialFrameBytes: number
  /** Keys one client may have served or written (big puts) per second. */
  peerKeysPerSecond: number
  /** Characters of frames a client may send per second. */
  peerBytesPerSecond: number
  /** Characters of frames one peer may have waiting for its turn. */
  maxPeerBacklog: number
  /** GET and PUT messages one connection may send per second (more are answered `Too many requests.`). */
  getsPerSecond: number
  putsPerSecond: number
  /** Messages of a batch frame handled in one step of its peer's turn. */
  sliceMessages: number
  /** How long message ids are remembered for dedup, and how long a GET's route waits for answers. */
  dedupAgeMs: number
  routeAgeMs: number
  /** Catch-up between relays: a pass per relay link this often (0: on (re)connect only). */
  syncIntervalMs: number
  /** Bytes of records per catch-up page served to another relay. */
  syncPageBytes: number
  /** Catch-up between relays on (default) or off. */
  sync: boolean
  /** Non-user souls are read-only for unsigned writers (stock Gun's `opt.secure`). */
  secure: boolean
  // ---- HTTP authorization (docs/server.md "Authorization") ----
  /** Bearer tokens that may read REST, subscriptions, /metrics and the admin UI's data. */
  readTokens: string[]
  /** Bearer tokens that may also write through REST. */
  writeTokens: string[]
  /** HS256 secret for JWTs (`role` claim: read or write). */
  jwtSecret: string | undefined
  /** PEM file of the public key JWTs are signed with (RS256, ES256, EdDSA). */
  jwtPublicKey: string | undefined
  jwtIssuer: string | undefined
  jwtAudience: string | undefined
}

type Kind = 'port' | 'string' | 'path' | 'urls' | 'origins' | 'tokens' | 'level' | 'bytes' | 'count' | 'duration' | 'bool'

interface Spec {
  key: keyof ServerConfig | 'memory' | 'config'
  flag: string
  env: string | undefined
  kind: Kind
  value: string
  help: string
  defaultText: string
  /** Largest size a 'bytes' setting takes (default 1 GiB). */
  maxBytes?: number
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The one table behind parsing, the environment, the config file and `--help`. */
const SPECS: Spec[] = [
  { key: 'port', flag: 'port', env: 'PORT', kind: 'port', value: '<n>', help: 'TCP port to listen on (0 picks a free one)', defaultText: '8765' },
  { key: 'host', flag: 'host', env: 'HOST', kind: 'string', value: '<addr>', help: 'Interface to bind (0.0.0.0 for all)', defaultText: '127.0.0.1' },
  {
    key: 'dataDir',
    flag: 'data',
    env: 'DATA_DIR',
    kind: 'path',
    value: '<dir>',
    help: "Data directory (log storage, fsync before ack); '' keeps data in memory",
    defaultText: './data',
  },
  { key: 'memory', flag: 'memory', env: undefined, kind: 'bool', value: '', help: 'Keep data in memory only (nothing written to disk)', defaultText: 'off' },
  {
    key: 'peers',
    flag: 'peers',
    env: 'PEERS',
    kind: 'urls',
    value: '<urls>',
    help: 'Comma-separated relays to peer with (http(s):// or ws(s)://…/gun)',
    defaultText: 'none',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'LOG_LEVEL',
    kind: 'level',
    value: '<level>',
    help: `Structured log level: ${LEVELS.join(', ')}`,
    defaultText: 'info',
  },
  {
    key: 'corsOrigins',
    flag: 'cors',
    env: 'CORS_ORIGINS',
    kind: 'origins',
    value: '<origins>',
    help: "Origins allowed to call the API from a browser (comma-separated, or '*')",
    defaultText: 'none',
  },
  {
    key: 'bodyLimit',
    flag: 'body-limit',
    env: 'BODY_LIMIT',
    kind: 'bytes',
    value: '<size>',
    help: 'Largest API request body (e.g. 1mb, 256kb); larger gets 413',
    defaultText: '1mb',
  },
  {
    key: 'maxPeers',
    flag: 'max-peers',
    env: 'MAX_PEERS',
    kind: 'count',
    value: '<n>',
    help: 'Most Gun connections accepted; newcomers get a mob notice',
    defaultText: '10000',
  },
  {
    key: 'maxMemoryNodes',
    flag: 'max-memory-nodes',
    env: 'MAX_MEMORY_NODES',
    kind: 'count',
    value: '<n>',
    help: 'Nodes kept in memory in front of the data directory (oldest out first)',
    defaultText: '250000',
  },
  {
    key: 'maxMemoryBytes',
    flag: 'max-memory-bytes',
    env: 'MAX_MEMORY_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Estimated bytes of nodes kept in memory in front of the data directory (oldest out first)',
    defaultText: '256mb',
    maxBytes: 1024 ** 4,
  },
  {
    key: 'storageCacheBytes',
    flag: 'storage-cache-bytes',
    env: 'STORAGE_CACHE_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: "Estimated bytes of decoded nodes the data directory's read cache keeps (least recently used out; a bigger node is not cached)",
    defaultText: '64mb',
    maxBytes: 1024 ** 4,
  },
  {
    key: 'maxDeferred',
    flag: 'max-deferred',
    env: 'MAX_DEFERRED',
    kind: 'count',
    value: '<n>',
    help: 'Future-state keys held until due; a put that would pass it is refused',
    defaultText: '100000',
  },
  {
    key: 'maxDeferredBytes',
    flag: 'max-deferred-bytes',
    env: 'MAX_DEFERRED_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Estimated bytes of future-state keys held; a put that would pass it is refused',
    defaultText: '64mb',
  },
  {
    key: 'maxFutureMs',
    flag: 'max-future',
    env: 'MAX_FUTURE',
    kind: 'duration',
    value: '<time>',
    help: "A put with a state further ahead of the relay's clock is refused",
    defaultText: '24h',
  },
  {
    key: 'maxSubscribers',
    flag: 'max-subscribers',
    env: 'MAX_SUBSCRIBERS',
    kind: 'count',
    value: '<n>',
    help: 'Most live REST subscriptions (SSE and WebSocket)',
    defaultText: '1000',
  },
  {
    key: 'requestTimeoutMs',
    flag: 'request-timeout',
    env: 'REQUEST_TIMEOUT',
    kind: 'duration',
    value: '<time>',
    help: 'Time a client has to send a whole request (e.g. 30s; 0 = none)',
    defaultText: '30s',
  },
  {
    key: 'keepAliveTimeoutMs',
    flag: 'keep-alive-timeout',
    env: 'KEEP_ALIVE_TIMEOUT',
    kind: 'duration',
    value: '<time>',
    help: 'Idle keep-alive connections close after this',
    defaultText: '72s',
  },
  {
    key: 'shutdownTimeoutMs',
    flag: 'shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    kind: 'duration',
    value: '<time>',
    help: 'On SIGTERM/SIGINT, exit (code 1) if draining takes longer',
    defaultText: '10s',
  },
  { key: 'admin', flag: 'admin', env: 'ADMIN', kind: 'bool', value: '', help: 'Serve the admin UI at / (--no-admin to turn off)', defaultText: 'on' },
  { key: 'metrics', flag: 'metrics', env: 'METRICS', kind: 'bool', value: '', help: 'Serve Prometheus metrics at /metrics (--no-metrics)', defaultText: 'on' },
  { key: 'api', flag: 'api', env: 'API', kind: 'bool', value: '', help: 'Serve the REST API under /api/v1 (--no-api)', defaultText: 'on' },
  {
    key: 'maxSoulChars',
    flag: 'max-soul-chars',
    env: 'MAX_SOUL_CHARS',
    kind: 'count',
    value: '<n>',
    help: 'Longest soul a write may use (wire, REST, chain); longer is refused with an error',
    defaultText: '4096',
  },
  {
    key: 'maxKeyChars',
    flag: 'max-key-chars',
    env: 'MAX_KEY_CHARS',
    kind: 'count',
    value: '<n>',
    help: 'Longest key a write may use; longer is refused with an error',
    defaultText: '4096',
  },
  {
    key: 'maxValueChars',
    flag: 'max-value-chars',
    env: 'MAX_VALUE_CHARS',
    kind: 'count',
    value: '<n>',
    help: 'Longest string value a write may store; longer is refused with an error',
    defaultText: '4194304',
  },
  {
    key: 'maxListBytes',
    flag: 'max-list-bytes',
    env: 'MAX_LIST_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Largest /api/v1/souls answer; a page stops short with a next cursor',
    defaultText: '1mb',
  },
  {
    key: 'peerSecret',
    flag: 'peer-secret',
    env: 'TRELLIS_PEER_SECRET',
    kind: 'string',
    value: '<secret>',
    help: 'Shared cluster secret: relays dialling us prove it (HMAC, never sent) to be treated as relay peers',
    defaultText: 'none',
  },
  {
    key: 'maxSendQueue',
    flag: 'max-send-queue',
    env: 'MAX_SEND_QUEUE',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes queued for one Gun connection before it is dropped (slow consumer)',
    defaultText: '16mb',
  },
  {
    key: 'maxDedupBytes',
    flag: 'max-dedup-bytes',
    env: 'MAX_DEDUP_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of message ids in the dedup table (oldest out)',
    defaultText: '8mb',
  },
  {
    key: 'maxRouteBytes',
    flag: 'max-route-bytes',
    env: 'MAX_ROUTE_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of message ids in the pending-request table (oldest answered "not found")',
    defaultText: '4mb',
  },
  {
    key: 'maxSubscriptionBytes',
    flag: 'max-subscription-bytes',
    env: 'MAX_SUBSCRIPTION_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of souls and keys subscribed, all peers (new souls refused past it)',
    defaultText: '256mb',
  },
  {
    key: 'maxSubscriptionBytesPerPeer',
    flag: 'max-subscription-bytes-per-peer',
    env: 'MAX_SUBSCRIPTION_BYTES_PER_PEER',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of souls and keys subscribed for one peer',
    defaultText: '4mb',
  },
  {
    key: 'maxPartialFrameBytes',
    flag: 'max-partial-frames',
    env: 'MAX_PARTIAL_FRAMES',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of unfinished WebSocket frames held across all sockets; past it the socket holding most is closed (1009)',
    defaultText: '64mb',
  },
  {
    key: 'peerKeysPerSecond',
    flag: 'peer-keys-per-second',
    env: 'PEER_KEYS_PER_SECOND',
    kind: 'count',
    value: '<n>',
    help: 'Keys a client may have served (GET replies; at least 1 a GET) or written (x4, puts of over 64 keys) per second (burst 4 s); over it, its work waits',
    defaultText: '250000',
  },
  {
    key: 'peerBytesPerSecond',
    flag: 'peer-bytes-per-second',
    env: 'PEER_BYTES_PER_SECOND',
    kind: 'bytes',
    value: '<size>',
    help: 'Frame bytes a client may send per second (burst 4 s); over it, its frames wait',
    defaultText: '8mb',
  },
  {
    key: 'maxPeerBacklog',
    flag: 'max-peer-backlog',
    env: 'MAX_PEER_BACKLOG',
    kind: 'bytes',
    value: '<size>',
    help: 'Frames one peer may have waiting for its turn; reading pauses at half, the connection closes (1013) past it',
    defaultText: '16mb',
  },
  {
    key: 'getsPerSecond',
    flag: 'gets-per-second',
    env: 'GETS_PER_SECOND',
    kind: 'count',
    value: '<n>',
    help: 'GET messages one connection may send per second; more get Too many requests.',
    defaultText: '10000',
  },
  {
    key: 'putsPerSecond',
    flag: 'puts-per-second',
    env: 'PUTS_PER_SECOND',
    kind: 'count',
    value: '<n>',
    help: 'PUT messages one connection may send per second; more get Too many requests.',
    defaultText: '50000',
  },
  {
    key: 'sliceMessages',
    flag: 'slice-messages',
    env: 'SLICE_MESSAGES',
    kind: 'count',
    value: '<n>',
    help: "Messages of a batch frame handled per step of its peer's turn",
    defaultText: '64',
  },
  {
    key: 'dedupAgeMs',
    flag: 'dedup-age',
    env: 'DEDUP_AGE',
    kind: 'duration',
    value: '<time>',
    help: 'How long message ids are remembered to drop duplicates',
    defaultText: '9s',
  },
  {
    key: 'routeAgeMs',
    flag: 'route-age',
    env: 'ROUTE_AGE',
    kind: 'duration',
    value: '<time>',
    help: "How long a GET's route waits for answers before it is dropped",
    defaultText: '30s',
  },
  {
    key: 'readTokens',
    flag: 'read-tokens',
    env: 'READ_TOKENS',
    kind: 'tokens',
    value: '<tokens>',
    help: 'Comma-separated bearer tokens (16+ chars) that may read REST, subscriptions, /metrics and the admin UI; any credential set closes those routes to everyone else',
    defaultText: 'none (open)',
  },
  {
    key: 'writeTokens',
    flag: 'write-tokens',
    env: 'WRITE_TOKENS',
    kind: 'tokens',
    value: '<tokens>',
    help: 'Comma-separated bearer tokens (16+ chars) that may also write through REST',
    defaultText: 'none',
  },
  {
    key: 'jwtSecret',
    flag: 'jwt-secret',
    env: 'JWT_SECRET',
    kind: 'string',
    value: '<secret>',
    help: 'Accept HS256 JWTs signed with this secret (32+ chars); role claim read or write',
    defaultText: 'none',
  },
  {
    key: 'jwtPublicKey',
    flag: 'jwt-public-key',
    env: 'JWT_PUBLIC_KEY',
    kind: 'path',
    value: '<file>',
    help: 'Accept JWTs signed by this public key (PEM: RS256, ES256, EdDSA)',
    defaultText: 'none',
  },
  { key: 'jwtIssuer', flag: 'jwt-issuer', env: 'JWT_ISSUER', kind: 'string', value: '<iss>', help: 'Required JWT issuer', defaultText: 'any' },
  { key: 'jwtAudience', flag: 'jwt-audience', env: 'JWT_AUDIENCE', kind: 'string', value: '<aud>', help: 'Required JWT audience', defaultText: 'any' },
  {
    key: 'secure',
    flag: 'secure',
    env: 'SECURE',
    kind: 'bool',
    value: '',
    help: "Refuse unsigned writes outside user space (stock Gun's opt.secure): only ~pub souls (signed), aliases and #hash souls take writes",
    defaultText: 'off',
  },
  {
    key: 'sync',
    flag: 'sync',
    env: 'SYNC',
    kind: 'bool',
    value: '',
    help: 'Catch up with relay peers through their change feeds (--no-sync to turn off)',
    defaultText: 'on',
  },
  {
    key: 'syncIntervalMs',
    flag: 'sync-interval',
    env: 'SYNC_INTERVAL',
    kind: 'duration',
    value: '<time>',
    help: 'A catch-up pass with each relay peer this often, and on every reconnect (0 = on reconnect only)',
    defaultText: '30s',
  },
  {
    key: 'syncPageBytes',
    flag: 'sync-page-bytes',
    env: 'SYNC_PAGE_BYTES',
    kind: 'bytes',
    value: '<size>',
    help: 'Bytes of records per catch-up page served to another relay (one page in flight per link)',
    defaultText: '256kb',
    maxBytes: 8 * 1024 * 1024,
  },
  {
    key: 'config',
    flag: 'config',
    env: 'TRELLIS_CONFIG',
    kind: 'path',
    value: '<file>',
    help: 'JSON file with any of these settings (camelCase keys)',
    defaultText: 'none',
  },
]

/** `trellis serve`'s settings when no flag, environment variable or config file sets them. */
export const DEFAULT_CONFIG: ServerConfig = {
  port: 8765,
  host: '127.0.0.1',
  dataDir: './data',
  peers: [],
  logLevel: 'info',
  corsOrigins: [],
  bodyLimit: 1024 * 1024,
  maxPeers: 10_000,
  maxSubscribers: 1000,
  maxMemoryNodes: 250_000,
  maxMemoryBytes: 256 * 1024 * 1024,
  storageCacheBytes: 64 * 1024 * 1024,
  maxDeferred: 100_000,
  maxDeferredBytes: 64 * 1024 * 1024,
  maxFutureMs: 24 * 3_600_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 72_000,
  shutdownTimeoutMs: 10_000,
  admin: true,
  metrics: true,
  api: true,
  maxSoulChars: 4096,
  maxKeyChars: 4096,
  maxValueChars: 4 * 1024 * 1024,
  maxListBytes: 1024 * 1024,
  peerSecret: undefined,
  maxSendQueue: 16 * 1024 * 1024,
  maxDedupBytes: 8 * 1024 * 1024,
  maxRouteBytes: 4 * 1024 * 1024,
  maxSubscriptionBytes: 256 * 1024 * 1024,
  maxSubscriptionBytesPerPeer: 4 * 1024 * 1024,
  maxPartialFrameBytes: 64 * 1024 * 1024,
  peerKeysPerSecond: 250_000,
  peerBytesPerSecond: 8 * 1024 * 1024,
  maxPeerBacklog: 16 * 1024 * 1024,
  getsPerSecond: 10_000,
  putsPerSecond: 50_000,
  sliceMessages: 64,
  dedupAgeMs: 9_000,
  routeAgeMs: 30_000,
  sync: true,
  secure: false,
  readTokens: [],
  writeTokens: [],
  jwtSecret: undefined,
  jwtPublicKey: undefined,
  jwtIssuer: undefined,
  jwtAudience: undefined,
  syncIntervalMs: 30_000,
  syncPageBytes: 256 * 1024,
}

/** A configuration mistake, with a message that says what and where. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** The text of `trellis serve --help`: every flag, its environment variable and default. */
export function serveHelp(): string {
  const flags = SPECS.map((s) => `--${s.flag}${s.value !== '' ? ` ${s.value}` : ''}`)
  // The widest flag sets the column, so a long one never runs into its help text.
  const width = Math.max(...flags.map((f) => f.length)) + 2
  const rows = SPECS.map(
    (s, i) => `  ${flags[i].padEnd(width)}${s.help}\n  ${''.padEnd(width)}${s.env !== undefined ? `env ${s.env}, ` : ''}default ${s.defaultText}`,
  )
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

type Source = { kind: 'flag' | 'env' | 'file'; name: string }

function where(spec: Spec, source: Source): string {
  if (source.kind === 'flag') return `--${spec.flag}`
  if (source.kind === 'env') return `environment variable ${spec.env}`
  return `'${fileKey(spec)}' in ${source.name}`
}

function fileKey(spec: Spec): string {
  return spec.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i
const TIME = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i

/** Turn one raw setting into its typed value, or throw naming where it came from. */
function convert(spec: Spec, raw: unknown, source: Source): unknown {
  const noun = spec.kind === 'urls' ? 'peer URL' : spec.kind === 'origins' ? 'CORS origin' : spec.flag.replace(/-/g, ' ')
  const fail = (expected: string, bad: unknown = raw): never => {
    throw new ConfigError(`invalid ${noun} '${typeof bad === 'string' ? bad : JSON.stringify(bad)}': expected ${expected} (${where(spec, source)})`)
  }
  const text =
    typeof raw === 'string'
      ? raw.trim()
      : typeof raw === 'number' || typeof raw === 'boolean'
        ? String(raw)
        : Array.isArray(raw) && (spec.kind === 'urls' || spec.kind === 'origins' || spec.kind === 'tokens')
          ? raw.map(String).join(',')
          : fail('a string or number')
  switch (spec.kind) {
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
    case 'level':
      if (!(LEVELS as readonly string[]).includes(text)) fail(`one of ${LEVELS.join(', ')}`)
      return text
    case 'bytes': {
      const m = SIZE.exec(text)
      if (m === null) fail('a size such as 1048576, 512kb or 1mb')
      const unit = (m as RegExpExecArray)[2]?.toLowerCase() ?? 'b'
      const factor = unit.startsWith('g') ? 1024 ** 3 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('k') ? 1024 : 1
      const n = Math.floor(Number((m as RegExpExecArray)[1]) * factor)
      const most = spec.maxBytes ?? 1024 ** 3
      if (n < 1 || n > most) fail(`a size from 1 byte to ${most === 1024 ** 3 ? '1gb' : `${most / 1024 ** 3}gb`}`)
      return n
    }
    case 'duration': {
      const m = TIME.exec(text)
      if (m === null) fail('a time such as 500ms, 30s or 2m')
      const unit = (m as RegExpExecArray)[2]?.toLowerCase() ?? 'ms'
      const factor = unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1
      const n = Math.round(Number((m as RegExpExecArray)[1]) * factor)
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
      const urls = text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
      for (const url of urls) if (!/^(https?|wss?):\/\/[^/\s]+/.test(url)) fail('http(s):// or ws(s):// URLs', url)
      return urls
    }
    case 'tokens': {
      const tokens = text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
      for (const token of tokens) if (token.length < 16) fail('tokens of at least 16 characters', `a ${token.length}-character token`)
      return tokens
    }
    case 'origins': {
      if (text === '*') return '*'
      const origins = text
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '')
      for (const origin of origins) if (!/^https?:\/\/[^/\s]+$/.test(origin)) fail("'*' or origins like https://app.example.com", origin)
      return origins
    }
  }
}

/** Split argv into flag → raw value; unknown flags and missing values are errors. */
function parseFlags(argv: string[]): { values: Map<Spec, unknown>; help: boolean } {
  const values = new Map<Spec, unknown>()
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') {
      help = true
      continue
    }
    if (!arg.startsWith('--')) throw new ConfigError(`unexpected argument '${arg}'`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    const negated = name.startsWith('no-') ? SPECS.find((s) => s.kind === 'bool' && s.flag === name.slice(3)) : undefined
    if (negated !== undefined) {
      if (eq !== -1) throw new ConfigError(`--${name} takes no value`)
      values.set(negated, false)
      continue
    }
    const spec = SPECS.find((s) => s.flag === name)
    if (spec === undefined) throw new ConfigError(`unknown option '--${name}'`)
    if (spec.kind === 'bool') {
      values.set(spec, eq === -1 ? true : arg.slice(eq + 1))
      continue
    }
    if (eq !== -1) {
      values.set(spec, arg.slice(eq + 1))
      continue
    }
    const next = argv[i + 1]
    if (next === undefined || (next.startsWith('--') && next !== '--')) throw new ConfigError(`option '--${name}' needs a value ${spec.value}`)
    values.set(spec, next)
    i++
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
  const flags = parseFlags(argv)
  if (flags.help) return 'help'
  const settings = new Map<Spec, unknown>()

  const configSpec = SPECS.find((s) => s.key === 'config') as Spec
  const configPath = (flags.values.get(configSpec) as string | undefined) ?? env.TRELLIS_CONFIG
  if (configPath !== undefined && configPath !== '') {
    const file = readConfigFile(configPath)
    for (const key of Object.keys(file)) {
      const spec = SPECS.find((s) => fileKey(s) === key && s.key !== 'config')
      if (spec === undefined)
        throw new ConfigError(
          `unknown setting '${key}' in ${configPath} (known: ${SPECS.filter((s) => s.key !== 'config')
            .map(fileKey)
            .join(', ')})`,
        )
      settings.set(spec, convert(spec, file[key], { kind: 'file', name: configPath }))
    }
  }
  for (const spec of SPECS) {
    if (spec.env === undefined || spec.key === 'config') continue
    const raw = env[spec.env]
    if (raw !== undefined) settings.set(spec, convert(spec, raw, { kind: 'env', name: spec.env }))
  }
  for (const [spec, raw] of flags.values) {
    if (spec.key === 'config') continue
    settings.set(spec, convert(spec, raw, { kind: 'flag', name: spec.flag }))
  }

  const config: ServerConfig = { ...DEFAULT_CONFIG, peers: [], corsOrigins: [] }
  let memory = false
  for (const [spec, value] of settings) {
    if (spec.key === 'memory') memory = value as boolean
    else if (spec.key !== 'config') (config as unknown as Record<string, unknown>)[spec.key] = value
  }
  if (memory || config.dataDir === '') config.dataDir = undefined
  return config
}
