import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'

const DIST = join(import.meta.dirname, '../../dist')
const MODULES = join(import.meta.dirname, '../../node_modules')
/** The one npm dependency of the browser entry (SHA-256 for SEA), mapped as a bundler would resolve it. */
const IMPORT_MAP = JSON.stringify({ imports: { '@noble/hashes/': '/node_modules/@noble/hashes/' } })

export interface DistServer {
  server: Server
  /** `http://127.0.0.1:<port>/`: an empty page with the import map; `/x.js` is `dist/x.js`. */
  origin: string
  close(): Promise<void>
}

/**
 * Serves the built ES modules as a browser would load them (no bundler, an
 * import map), plus an empty page, on 127.0.0.1. `extra` maps more URL
 * prefixes to directories (e.g. `/gun/` → node_modules/gun for stock Gun); `.html` files there are pages.
 */
export function serveDist(extra: Record<string, string> = {}): Promise<DistServer> {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]))
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>trellis</title><script type="importmap">${IMPORT_MAP}</script>`)
      return
    }
    const mount = Object.keys(extra).find((prefix) => path.startsWith(prefix))
    try {
      const body =
        mount !== undefined
          ? await readFile(join(extra[mount], path.slice(mount.length)))
          : path.startsWith('/node_modules/@noble/hashes/')
            ? await readFile(join(MODULES, path.slice('/node_modules/'.length)))
            : await readFile(join(DIST, path))
      // CORS: a sandboxed (opaque-origin) frame loads these modules too, in the no-IndexedDB test.
      const type = path.endsWith('.html') ? 'text/html' : 'text/javascript'
      res.writeHead(200, { 'content-type': type, 'access-control-allow-origin': '*' }).end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      }),
    ),
  )
}
