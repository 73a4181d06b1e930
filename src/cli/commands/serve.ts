import { parseArgs } from 'node:util'
import type { Command } from '../command.js'

const HELP = `Usage: trellis serve [options]

Run a relay: Gun's wire protocol over WebSocket at /gun, with durable storage.

Options (each also read from an environment variable; flags win):
  --port <n>        TCP port to listen on                 env PORT      default 8765
  --host <addr>     Interface to bind                     env HOST      default 127.0.0.1
  --data <dir>      Data directory (log storage, fsync)   env DATA_DIR  default ./data
                    use --data '' (or --memory) for an in-memory relay
  --memory          Keep data in memory only (nothing written to disk)
  --peers <urls>    Comma-separated relays to peer with   env PEERS     default none
                    e.g. http://10.0.0.2:8765/gun,wss://relay.example/gun
  -h, --help        Show this help
`

export interface ServeConfig {
  port: number
  host: string
  dataDir: string | undefined
  peers: string[]
}

/** Flags over environment over defaults; throws with a clear message on bad input. */
export function serveConfig(argv: string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      memory: { type: 'boolean' },
      peers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help === true) return 'help'
  const portText = values.port ?? env.PORT ?? '8765'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port '${portText}': expected an integer from 0 to 65535 (--port or PORT)`)
  }
  const host = values.host ?? env.HOST ?? '127.0.0.1'
  if (host === '') throw new Error('invalid host: empty (--host or HOST)')
  const data = values.memory === true ? '' : (values.data ?? env.DATA_DIR ?? './data')
  const peersText = values.peers ?? env.PEERS ?? ''
  const peers = peersText
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  for (const peer of peers) {
    if (!/^(https?|wss?):\/\/[^/\s]+/.test(peer)) throw new Error(`invalid peer URL '${peer}': expected http(s):// or ws(s):// (--peers or PEERS)`)
  }
  return { port, host, dataDir: data === '' ? undefined : data, peers }
}

export const serve: Command = {
  name: 'serve',
  summary: 'Run a relay (WebSocket at /gun) with durable storage',
  async run(argv) {
    let config: ServeConfig | 'help'
    try {
      config = serveConfig(argv, process.env)
    } catch (error) {
      process.stderr.write(`trellis serve: ${error instanceof Error ? error.message : String(error)}\n\nRun 'trellis serve --help' for the options.\n`)
      return 2
    }
    if (config === 'help') {
      process.stdout.write(HELP)
      return 0
    }
    const { createRelay } = await import('../../server/relay.js')
    let relay
    try {
      relay = await createRelay({
        port: config.port,
        host: config.host,
        dataDir: config.dataDir,
        peers: config.peers,
        log: (line) => process.stderr.write(`trellis: ${line}\n`),
      })
    } catch (error) {
      process.stderr.write(`trellis serve: cannot start: ${error instanceof Error ? error.message : String(error)}\n`)
      return 1
    }
    process.stdout.write(`Trellis relay listening on ${relay.url}${config.dataDir !== undefined ? ` (data in ${config.dataDir})` : ' (in memory)'}\n`)
    const running = relay
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        running.close().then(resolve, resolve)
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    return 0
  },
}
