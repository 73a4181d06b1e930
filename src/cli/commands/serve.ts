import type { Command } from '../command.js'
import { ConfigError, loadServerConfig, serveHelp, type ServerConfig } from '../../server/config.js'

/** The core settings, as earlier versions returned them (kept for callers and tests of the flag parsing). */
export interface ServeConfig {
  port: number
  host: string
  dataDir: string | undefined
  peers: string[]
}

/** Flags over environment over defaults (the full set is in server/config.ts); throws with a clear message on bad input. */
export function serveConfig(argv: string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const config = loadServerConfig(argv, env)
  if (config === 'help') return 'help'
  return { port: config.port, host: config.host, dataDir: config.dataDir, peers: config.peers }
}

export const serve: Command = {
  name: 'serve',
  summary: 'Run a relay: /gun, REST API, metrics, admin UI, durable storage',
  async run(argv) {
    let config: ServerConfig | 'help'
    try {
      config = loadServerConfig(argv, process.env)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      process.stderr.write(`trellis serve: ${message}\n\nRun 'trellis serve --help' for the options.\n`)
      return error instanceof ConfigError ? 2 : 1
    }
    if (config === 'help') {
      process.stdout.write(serveHelp())
      return 0
    }
    const { runServer } = await import('../../server/http/run.js')
    let server
    try {
      // Exit codes go through the returned promise; the hard exit is only a backstop for stray handles.
      server = await runServer(config, { exit: (code) => setTimeout(() => process.exit(code), 2000).unref() })
    } catch (error) {
      process.stderr.write(`trellis serve: cannot start: ${error instanceof Error ? error.message : String(error)}\n`)
      return 1
    }
    process.stdout.write(
      `Trellis relay listening on ${server.url}/gun${config.dataDir !== undefined ? ` (data in ${config.dataDir})` : ' (in memory)'}; admin UI ${config.admin ? `at ${server.url}/` : 'off'}\n`,
    )
    return server.shutdown.done
  },
}
