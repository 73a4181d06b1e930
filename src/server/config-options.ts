/**
 * Every setting `trellis serve` takes, written once: its flag, environment
 * variable, kind (how a raw value is read), default and help text. Parsing,
 * the config file, `--help`, DEFAULT_CONFIG and the ServerConfig type all
 * come from this table, so a new setting is one line here.
 */

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** How a raw value (flag, environment variable or config file entry) is read; see config-values.ts. */
export interface KindValue {
  port: number
  count: number
  bytes: number
  duration: number
  bool: boolean
  string: string
  /** A path; '' (or none) means unset. */
  path: string | undefined
  level: (typeof LOG_LEVELS)[number]
  urls: string[]
  tokens: string[]
  /** Origins allowed by CORS, or '*' for any. */
  origins: string[] | '*'
  /** Static folders served beside the relay: `DIR[:MOUNT]`, repeatable. */
  mounts: StaticMount[]
}

/** A folder served as static files under a URL prefix (`trellis serve --static DIR[:MOUNT]`). */
export interface StaticMount {
  /** The folder, as given (relative to the working directory, or absolute). */
  dir: string
  /** The URL prefix: starts with `/`, no trailing slash except `/` itself. */
  mount: string
}

export type Kind = keyof KindValue

export interface Option {
  flag: string
  env?: string
  kind: Kind
  /** Raw text read like any other value; absent: the setting is undefined unless given. */
  default?: string
  /** What --help says when the default is absent or empty (default 'none'). */
  unset?: string
  /** The value's placeholder in --help, when the kind's own (e.g. <size>) says too little. */
  value?: string
  /** Largest size a 'bytes' setting takes (default 1 GiB). */
  maxBytes?: number
  help: string
}

export const OPTIONS = {
  port: { flag: 'port', env: 'PORT', kind: 'port', default: '8765', help: 'TCP port to listen on (0 picks a free one)' },
  host: { flag: 'host', env: 'HOST', kind: 'string', default: '127.0.0.1', value: '<addr>', help: 'Interface to bind (0.0.0.0 for all)' },
  dataDir: {
    flag: 'data',
    env: 'DATA_DIR',
    kind: 'path',
    default: './data',
    value: '<dir>',
    help: "Data directory (log storage, fsync before ack); '' keeps data in memory",
  },
  memory: { flag: 'memory', kind: 'bool', default: 'off', help: 'Keep data in memory only (nothing written to disk)' },
  peers: { flag: 'peers', env: 'PEERS', kind: 'urls', default: '', help: 'Comma-separated relays to peer with (http(s):// or ws(s)://…/gun)' },
  logLevel: { flag: 'log-level', env: 'LOG_LEVEL', kind: 'level', default: 'info', help: `Structured log level: ${LOG_LEVELS.join(', ')}` },
  corsOrigins: {
    flag: 'cors',
    env: 'CORS_ORIGINS',
    kind: 'origins',
    default: '',
    help: "Origins allowed to call the API from a browser (comma-separated, or '*')",
  },
  bodyLimit: { flag: 'body-limit', env: 'BODY_LIMIT', kind: 'bytes', default: '1mb', help: 'Largest API request body (e.g. 1mb, 256kb); larger gets 413' },
  maxPeers: { flag: 'max-peers', env: 'MAX_PEERS', kind: 'count', default: '10000', help: 'Most Gun connections accepted; newcomers get a mob notice' },
  maxMemoryNodes: {
    flag: 'max-memory-nodes',
    env: 'MAX_MEMORY_NODES',
    kind: 'count',
    default: '250000',
    help: 'Nodes kept in memory in front of the data directory (oldest out first)',
  },
  maxMemoryBytes: {
    flag: 'max-memory-bytes',
    env: 'MAX_MEMORY_BYTES',
    kind: 'bytes',
    default: '256mb',
    maxBytes: 1024 ** 4,
    help: 'Estimated bytes of nodes kept in memory in front of the data directory (oldest out first)',
  },
  storageCacheBytes: {
    flag: 'storage-cache-bytes',
    env: 'STORAGE_CACHE_BYTES',
    kind: 'bytes',
    default: '64mb',
    maxBytes: 1024 ** 4,
    help: "Estimated bytes of decoded nodes the data directory's read cache keeps (least recently used out; a bigger node is not cached)",
  },
  maxDeferred: {
    flag: 'max-deferred',
    env: 'MAX_DEFERRED',
    kind: 'count',
    default: '100000',
    help: 'Future-state keys held until due; a put that would pass it is refused',
  },
  maxDeferredBytes: {
    flag: 'max-deferred-bytes',
    env: 'MAX_DEFERRED_BYTES',
    kind: 'bytes',
    default: '64mb',
    help: 'Estimated bytes of future-state keys held; a put that would pass it is refused',
  },
  maxFutureMs: {
    flag: 'max-future',
    env: 'MAX_FUTURE',
    kind: 'duration',
    default: '24h',
    help: "A put with a state further ahead of the relay's clock is refused",
  },
  maxSubscribers: { flag: 'max-subscribers', env: 'MAX_SUBSCRIBERS', kind: 'count', default: '1000', help: 'Most live REST subscriptions (SSE and WebSocket)' },
  requestTimeoutMs: {
    flag: 'request-timeout',
    env: 'REQUEST_TIMEOUT',
    kind: 'duration',
    default: '30s',
    help: 'Time a client has to send a whole request (e.g. 30s; 0 = none)',
  },
  keepAliveTimeoutMs: {
    flag: 'keep-alive-timeout',
    env: 'KEEP_ALIVE_TIMEOUT',
    kind: 'duration',
    default: '72s',
    help: 'Idle keep-alive connections close after this',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout',
    env: 'SHUTDOWN_TIMEOUT',
    kind: 'duration',
    default: '10s',
    help: 'On SIGTERM/SIGINT, exit (code 1) if draining takes longer',
  },
  admin: { flag: 'admin', env: 'ADMIN', kind: 'bool', default: 'on', help: 'Serve the admin UI at / (--no-admin to turn off)' },
  browserScript: {
    flag: 'browser-script',
    env: 'BROWSER_SCRIPT',
    kind: 'bool',
    default: 'on',
    help: 'Serve the browser build at /gun.js (window.Gun with Gun.SEA) and /sea.js, as a stock Gun relay does (--no-browser-script)',
  },
  metrics: { flag: 'metrics', env: 'METRICS', kind: 'bool', default: 'on', help: 'Serve Prometheus metrics at /metrics (--no-metrics)' },
  api: { flag: 'api', env: 'API', kind: 'bool', default: 'on', help: 'Serve the REST API under /api/v1 (--no-api)' },
  static: {
    flag: 'static',
    env: 'STATIC',
    kind: 'mounts',
    default: '',
    value: '<dir[:/mount]>',
    help: "Serve DIR's files under URL prefix MOUNT (default /); repeatable (the variable takes a comma-separated list). Never over the relay's own routes",
  },
  maxSoulChars: {
    flag: 'max-soul-chars',
    env: 'MAX_SOUL_CHARS',
    kind: 'count',
    default: '4096',
    help: 'Longest soul a write may use (wire, REST, chain); longer is refused with an error',
  },
  maxKeyChars: {
    flag: 'max-key-chars',
    env: 'MAX_KEY_CHARS',
    kind: 'count',
    default: '4096',
    help: 'Longest key a write may use; longer is refused with an error',
  },
  maxValueChars: {
    flag: 'max-value-chars',
    env: 'MAX_VALUE_CHARS',
    kind: 'count',
    default: '4194304',
    help: 'Longest string value a write may store; longer is refused with an error',
  },
  maxListBytes: {
    flag: 'max-list-bytes',
    env: 'MAX_LIST_BYTES',
    kind: 'bytes',
    default: '1mb',
    help: 'Largest /api/v1/souls answer; a page stops short with a next cursor',
  },
  peerSecret: {
    flag: 'peer-secret',
    env: 'TRELLIS_PEER_SECRET',
    kind: 'string',
    value: '<secret>',
    help: 'Shared cluster secret: relays dialling us prove it (HMAC, never sent) to be treated as relay peers',
  },
  maxSendQueue: {
    flag: 'max-send-queue',
    env: 'MAX_SEND_QUEUE',
    kind: 'bytes',
    default: '16mb',
    help: 'Bytes queued for one Gun connection before it is dropped (slow consumer)',
  },
  maxDedupBytes: {
    flag: 'max-dedup-bytes',
    env: 'MAX_DEDUP_BYTES',
    kind: 'bytes',
    default: '8mb',
    help: 'Bytes of message ids in the dedup table (oldest out)',
  },
  maxRouteBytes: {
    flag: 'max-route-bytes',
    env: 'MAX_ROUTE_BYTES',
    kind: 'bytes',
    default: '4mb',
    help: 'Bytes of message ids in the pending-request table (oldest answered "not found")',
  },
  maxSubscriptionBytes: {
    flag: 'max-subscription-bytes',
    env: 'MAX_SUBSCRIPTION_BYTES',
    kind: 'bytes',
    default: '256mb',
    help: 'Bytes of souls and keys subscribed, all peers (new souls refused past it)',
  },
  maxSubscriptionBytesPerPeer: {
    flag: 'max-subscription-bytes-per-peer',
    env: 'MAX_SUBSCRIPTION_BYTES_PER_PEER',
    kind: 'bytes',
    default: '4mb',
    help: 'Bytes of souls and keys subscribed for one peer',
  },
  maxPartialFrameBytes: {
    flag: 'max-partial-frames',
    env: 'MAX_PARTIAL_FRAMES',
    kind: 'bytes',
    default: '64mb',
    help: 'Bytes of unfinished WebSocket frames held across all sockets; past it the socket holding most is closed (1009)',
  },
  peerKeysPerSecond: {
    flag: 'peer-keys-per-second',
    env: 'PEER_KEYS_PER_SECOND',
    kind: 'count',
    default: '250000',
    help: 'Keys a client may have served (GET replies; at least 1 a GET) or written (x4, puts of over 64 keys) per second (burst 4 s); over it, its work waits',
  },
  peerBytesPerSecond: {
    flag: 'peer-bytes-per-second',
    env: 'PEER_BYTES_PER_SECOND',
    kind: 'bytes',
    default: '8mb',
    help: 'Frame bytes a client may send per second (burst 4 s); over it, its frames wait',
  },
  maxPeerBacklog: {
    flag: 'max-peer-backlog',
    env: 'MAX_PEER_BACKLOG',
    kind: 'bytes',
    default: '16mb',
    help: 'Frames one peer may have waiting for its turn; reading pauses at half, the connection closes (1013) past it',
  },
  getsPerSecond: {
    flag: 'gets-per-second',
    env: 'GETS_PER_SECOND',
    kind: 'count',
    default: '10000',
    help: 'GET messages one connection may send per second; more get Too many requests.',
  },
  putsPerSecond: {
    flag: 'puts-per-second',
    env: 'PUTS_PER_SECOND',
    kind: 'count',
    default: '50000',
    help: 'PUT messages one connection may send per second; more get Too many requests.',
  },
  sliceMessages: {
    flag: 'slice-messages',
    env: 'SLICE_MESSAGES',
    kind: 'count',
    default: '64',
    help: "Messages of a batch frame handled per step of its peer's turn",
  },
  dedupAgeMs: { flag: 'dedup-age', env: 'DEDUP_AGE', kind: 'duration', default: '9s', help: 'How long message ids are remembered to drop duplicates' },
  routeAgeMs: { flag: 'route-age', env: 'ROUTE_AGE', kind: 'duration', default: '30s', help: "How long a GET's route waits for answers before it is dropped" },
  readTokens: {
    flag: 'read-tokens',
    env: 'READ_TOKENS',
    kind: 'tokens',
    default: '',
    unset: 'none (open)',
    help: 'Comma-separated bearer tokens (16+ chars) that may read REST, subscriptions, /metrics and the admin UI; any credential set closes those routes to everyone else',
  },
  writeTokens: {
    flag: 'write-tokens',
    env: 'WRITE_TOKENS',
    kind: 'tokens',
    default: '',
    help: 'Comma-separated bearer tokens (16+ chars) that may also write through REST',
  },
  jwtSecret: {
    flag: 'jwt-secret',
    env: 'JWT_SECRET',
    kind: 'string',
    value: '<secret>',
    help: 'Accept HS256 JWTs signed with this secret (32+ chars); role claim read or write',
  },
  jwtPublicKey: {
    flag: 'jwt-public-key',
    env: 'JWT_PUBLIC_KEY',
    kind: 'path',
    value: '<file>',
    help: 'Accept JWTs signed by this public key (PEM: RS256, ES256, EdDSA)',
  },
  jwtIssuer: { flag: 'jwt-issuer', env: 'JWT_ISSUER', kind: 'string', unset: 'any', value: '<iss>', help: 'Required JWT issuer' },
  jwtAudience: { flag: 'jwt-audience', env: 'JWT_AUDIENCE', kind: 'string', unset: 'any', value: '<aud>', help: 'Required JWT audience' },
  secure: {
    flag: 'secure',
    env: 'SECURE',
    kind: 'bool',
    default: 'off',
    help: "Refuse unsigned writes outside user space (stock Gun's opt.secure): only ~pub souls (signed), aliases and #hash souls take writes",
  },
  sync: { flag: 'sync', env: 'SYNC', kind: 'bool', default: 'on', help: 'Catch up with relay peers through their change feeds (--no-sync to turn off)' },
  syncIntervalMs: {
    flag: 'sync-interval',
    env: 'SYNC_INTERVAL',
    kind: 'duration',
    default: '30s',
    help: 'A catch-up pass with each relay peer this often, and on every reconnect (0 = on reconnect only)',
  },
  syncPageBytes: {
    flag: 'sync-page-bytes',
    env: 'SYNC_PAGE_BYTES',
    kind: 'bytes',
    default: '256kb',
    maxBytes: 8 * 1024 * 1024,
    help: 'Bytes of records per catch-up page served to another relay (one page in flight per link)',
  },
  config: { flag: 'config', env: 'TRELLIS_CONFIG', kind: 'path', value: '<file>', help: 'JSON file with any of these settings (camelCase keys)' },
} satisfies Record<string, Option>

/** Settings that steer loading rather than the server: `--memory` clears dataDir, `--config` names the file. */
type LoadingKey = 'memory' | 'config'
type Options = typeof OPTIONS
type ValueOf<O extends Option> = O extends { default: string } ? KindValue[O['kind']] : KindValue[O['kind']] | undefined

/** Everything `trellis serve` can be told, after defaults, config file, environment and flags (see OPTIONS for each). */
export type ServerConfig = { [K in Exclude<keyof Options, LoadingKey>]: ValueOf<Options[K]> }
