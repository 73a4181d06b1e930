import { parseArgs } from 'node:util'
import WebSocket from 'ws'
import { createInstance, type RootChain } from '../../instance.js'
import type { Chain, Data } from '../../core/chain/chain.js'
import { createConnect } from '../../transport/connect.js'
import type { WebSocketConstructor } from '../../transport/websocket-like.js'

const DEFAULT_PEER = 'http://127.0.0.1:8765/gun'

export const CLIENT_OPTIONS_HELP = `  --peer <url>      Relay to talk to (Gun's wire protocol; any Gun relay)   env TRELLIS_PEER  default ${DEFAULT_PEER}
  --timeout <ms>    Give up after this long                                  default 10000
  --meta            Show Gun's _ metadata (soul and per-key states)
  -h, --help        Show this help`

export interface ClientArgs {
  peer: string
  timeoutMs: number
  meta: boolean
  positionals: string[]
  help: boolean
}

/** A usage mistake: printed with the command's help hint, exit code 2. */
export class UsageError extends Error {}

/** The relay could not be reached at all (refused, no route): exit code 3, told apart from "nothing there". */
class UnreachableError extends Error {}

/** The exit code of a failed command: 2 for bad input, 3 for an unreachable relay, 1 otherwise. */
export function exitCodeOf(error: unknown): number {
  return error instanceof UsageError ? 2 : error instanceof UnreachableError ? 3 : 1
}

/** The flags get/put/watch share. `http://host:port` without a path means its `/gun`. */
function parseClientArgs(argv: string[], env: NodeJS.ProcessEnv): ClientArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: { peer: { type: 'string' }, timeout: { type: 'string' }, meta: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  let peer = values.peer ?? env.TRELLIS_PEER ?? DEFAULT_PEER
  let url: URL
  try {
    url = new URL(peer)
  } catch {
    throw new UsageError(`invalid peer URL '${peer}': expected http(s):// or ws(s)://host:port/gun (--peer or TRELLIS_PEER)`)
  }
  if (!/^(https?|wss?):$/.test(url.protocol)) throw new UsageError(`invalid peer URL '${peer}': expected http(s):// or ws(s):// (--peer or TRELLIS_PEER)`)
  if (url.pathname === '/' || url.pathname === '') peer = `${url.origin}/gun`
  const timeoutText = values.timeout ?? '10000'
  const timeoutMs = Number(timeoutText)
  if (!/^\d+$/.test(timeoutText) || timeoutMs < 1) throw new UsageError(`invalid timeout '${timeoutText}': expected milliseconds (a positive integer)`)
  return { peer, timeoutMs, meta: values.meta === true, positionals, help: values.help === true }
}

/** A client instance connected to one relay (memory only: the relay has the data). */
/**
 * The start every client command shares: parse, answer `--help`, check the
 * number of positionals. Returns the arguments, or the exit code when the
 * command is already done (0 after help, 2 after a usage error).
 */
export function commandArgs(name: string, help: string, argv: string[], positionals: number, expected: string): ClientArgs | number {
  try {
    const args = parseClientArgs(argv, process.env)
    if (args.help) {
      process.stdout.write(help)
      return 0
    }
    if (args.positionals.length !== positionals) throw new UsageError(`expected ${expected}`)
    return args
  } catch (error) {
    return usageFailure(name, error)
  }
}

/** Print a usage error the way every command does; returns exit code 2. */
export function usageFailure(name: string, error: unknown): number {
  process.stderr.write(`trellis ${name}: ${(error as Error).message}\n\nRun 'trellis ${name} --help' for the options.\n`)
  return 2
}

export function connectClient(args: ClientArgs): RootChain {
  // reason: `ws` implements the W3C WebSocket surface the dialler uses; its typings differ in event shapes.
  const connect = createConnect(() => WebSocket as unknown as WebSocketConstructor)
  return createInstance({ peers: [args.peer], connectTimeout: Math.min(args.timeoutMs, 5000), ackTimeout: args.timeoutMs }, connect)
}

/** `a/b/c` → `db.get('a').get('b').get('c')`; segments are URI-decoded (`%2F` is a slash inside a key). */
export function chainFor(db: RootChain, path: string): Chain {
  const parts = path.split('/')
  if (path === '' || parts.some((p) => p === '')) throw new UsageError(`invalid path '${path}': expected soul[/key...] with no empty segments`)
  let chain: Chain = db
  for (const part of parts) {
    let key: string
    try {
      key = decodeURIComponent(part)
    } catch {
      throw new UsageError(`invalid path '${path}': bad percent-encoding`)
    }
    chain = chain.get(key)
  }
  return chain
}

/** Data as the CLI prints it: nodes without `_` unless --meta. */
export function show(data: Data, meta: boolean): string {
  if (data !== null && typeof data === 'object' && !meta && Object.hasOwn(data, '_')) {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(data)) if (key !== '_') Object.defineProperty(copy, key, { value: (data as Record<string, unknown>)[key], enumerable: true })
    return JSON.stringify(copy)
  }
  return JSON.stringify(data ?? null)
}

/** Run `work` against a connected client, bounded by the timeout; always closes the client. */
export async function withClient<T>(args: ClientArgs, work: (db: RootChain) => Promise<T>): Promise<T> {
  const db = connectClient(args)
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    // Fail fast, and say so, when nothing listens there: a refused connection is not "nothing at path".
    const network = db.root.network
    if (network?.ready !== undefined && !(await network.ready(Math.min(args.timeoutMs, 5000))) && network.peerCount === 0) {
      throw new UnreachableError(`cannot reach ${args.peer}: no relay answered there (is one running?)`)
    }
    return await Promise.race([
      work(db),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from ${args.peer} within ${args.timeoutMs} ms`)), args.timeoutMs)
      }),
    ])
  } finally {
    clearTimeout(timer)
    await db.close()
  }
}
