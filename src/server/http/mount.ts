import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { BROWSER_SCRIPT_PATHS } from './browser-script.js'

export interface MountOptions {
  gunPath?: string | false
  admin?: boolean
  browserScript?: boolean
  /** Whether the relay serves these (default true); when off, their paths are free for static files. */
  api?: boolean
  health?: boolean
  metrics?: boolean
}

/** The URL paths the relay answers: exact paths, and prefixes (ending in `/`) it owns everything under. */
export interface RelayPaths {
  exact: ReadonlySet<string>
  prefixes: readonly string[]
}

/** The Gun socket, the API, health, metrics, Gun's script-tag files and (when on) the admin UI. */
export function relayPaths(options: MountOptions): RelayPaths {
  const exact = new Set<string>()
  if (options.health !== false) for (const path of ['/healthz', '/readyz']) exact.add(path)
  if (options.metrics !== false) exact.add('/metrics')
  if (options.gunPath !== false) exact.add(options.gunPath ?? '/gun')
  if (options.browserScript !== false) for (const path of BROWSER_SCRIPT_PATHS) exact.add(path)
  if (options.admin === true) {
    exact.add('/')
    exact.add('/favicon.ico')
  }
  const prefixes = [...(options.api !== false ? ['/api/v1/'] : []), ...(options.admin === true ? ['/_admin/'] : [])]
  return { exact, prefixes }
}

/**
 * Which request paths belong to Trellis when it is mounted inside another
 * framework's app (see relayPaths). Everything else is the host app's.
 */
export function createPathMatcher(options: MountOptions): (url: string) => boolean {
  const { exact, prefixes } = relayPaths(options)
  return (url) => {
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    return exact.has(path) || prefixes.some((p) => path.startsWith(p))
  }
}

/**
 * Send a host server's WebSocket upgrades for Trellis paths into the
 * Trellis app (where @fastify/websocket routes them). Returns the detach
 * function. An upgrade nobody else listens for is refused.
 */
export function forwardUpgrades(server: Server, app: FastifyInstance, matches: (url: string) => boolean): () => void {
  const listener = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (matches(request.url ?? '')) {
      app.server.emit('upgrade', request, socket, head)
      return
    }
    if (server.listenerCount('upgrade') === 1) socket.destroy()
  }
  server.on('upgrade', listener)
  return () => server.off('upgrade', listener)
}
