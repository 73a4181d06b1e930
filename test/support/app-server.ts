import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.map': 'application/json',
}

export interface AppServer {
  /** `http://127.0.0.1:<port>/`: the app is at `${origin}examples/<mount>/`, its relay at `${origin}gun`. */
  origin: string
  /** Drop every open `/gun` connection and refuse new ones: the relay is unreachable from this origin. */
  cut(): void
  /** Let `/gun` connections through again. */
  restore(): void
  close(): Promise<void>
}

/**
 * A built example as a relay serving it would: `dir` (a Vite `dist/`) under `/examples/<mount>/`,
 * and `/gun` WebSocket upgrades passed through to the relay on `relayPort`, so the app finds its
 * relay at `location.origin + '/gun'`. `cut()` makes the relay unreachable for this origin only:
 * one browser goes offline while another stays connected to the same relay.
 */
export function serveApp(dir: string, mount: string, relayPort: number): Promise<AppServer> {
  const prefix = `/examples/${mount}/`
  const tunnels = new Set<Socket>()
  let cut = false
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]))
    if (!path.startsWith(prefix)) return void res.writeHead(404).end()
    const file = path.endsWith('/') ? `${path}index.html` : path
    try {
      const body = await readFile(join(dir, file.slice(prefix.length)))
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (cut || !(req.url ?? '').startsWith('/gun')) return void socket.destroy()
    const upstream = connect(relayPort, '127.0.0.1', () => {
      const headers = Object.entries(req.headers).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}: ${v}`))
      upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`)
      if (head.length > 0) upstream.write(head)
      socket.pipe(upstream).pipe(socket)
    })
    for (const end of [socket, upstream]) {
      tunnels.add(end)
      end.on('error', () => {})
      end.on('close', () => {
        tunnels.delete(end)
        socket.destroy()
        upstream.destroy()
      })
    }
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        cut() {
          cut = true
          for (const socket of tunnels) socket.destroy()
        },
        restore() {
          cut = false
        },
        close() {
          for (const socket of tunnels) socket.destroy()
          return new Promise<void>((done) => server.close(() => done()))
        },
      }),
    ),
  )
}
