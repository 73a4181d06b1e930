import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { gzip as gzipCallback } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The script-tag build (dist/browser/gun.js, `npm run build:browser`). The
 * path is from the package root because this module runs both as
 * dist/server/http/*.js and, in tests, as src/server/http/*.ts: both three
 * folders down.
 */
const BUNDLE = new URL('../../../dist/browser/gun.js', import.meta.url)
const SOURCE_MAP = new URL('../../../dist/browser/gun.js.map', import.meta.url)

/**
 * What `/sea.js` answers. Stock pages load gun.js and then sea.js (at `/gun/sea.js` on a stock
 * relay, or beside gun.js); here SEA is already in gun.js, so this is a no-op. Without a
 * `Gun.SEA` (a page that loaded gun.js from elsewhere) it fails loudly instead of leaving
 * `Gun.SEA` undefined for the app to trip over later.
 */
const SEA_SHIM = `/* Trellis: SEA is part of gun.js (Gun.SEA); this file exists for pages written for a stock Gun relay. */
(function () {
  var Gun = typeof window !== 'undefined' ? window.Gun : globalThis.Gun
  if (Gun && Gun.SEA) return
  throw new Error('sea.js from a Trellis relay: SEA is built into this relay\\'s /gun.js; load /gun.js before /sea.js')
})()
`

/** The URL paths a stock relay serves its gun.js and sea.js at (lib/serve.js answers any URL containing `gun.js`; `/gun/*` is its package folder). */
export const BROWSER_SCRIPT_PATHS = ['/gun.js', '/gun/gun.js', '/gun.js.map', '/gun/gun.js.map', '/sea.js', '/gun/sea.js'] as const

/** One static file as served: its bytes, a gzip copy, and an ETag per encoding. */
interface StaticFile {
  type: string
  raw: Buffer
  gzip: Buffer
  etag: string
}

const gzip = promisify(gzipCallback)

/** Off the event loop: level 9 over the source map (≈ 0.7 MB) is tens of milliseconds of CPU. */
async function staticFile(type: string, raw: Buffer): Promise<StaticFile> {
  return { type, raw, gzip: await gzip(raw, { level: 9 }), etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"` }
}

/** The gzipped copy's ETag: another representation of the same file, so another tag. */
function gzipEtag(etag: string): string {
  return `${etag.slice(0, -1)}-gzip"`
}

/**
 * Reads and compresses a build output once, on first request (concurrent first requests share the
 * work); until it exists (a checkout before `npm run build`) each request looks again.
 */
function lazyFile(url: URL, type: string): () => Promise<StaticFile | undefined> {
  let loading: Promise<StaticFile | undefined> | undefined
  return () => {
    loading ??= readFile(url).then(
      (raw) => staticFile(type, raw),
      (error: NodeJS.ErrnoException) => {
        loading = undefined
        if (error.code === 'ENOENT') return undefined
        throw error
      },
    )
    return loading
  }
}

/** If-None-Match names this file (either representation's tag, weak or strong, or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag || tag === gzipEtag(etag))
}

/**
 * Cacheable by ETag: the URL carries no version, so browsers keep the file
 * but ask each time (`no-cache`) and get a 304 while it is unchanged.
 * Served gzipped to clients that accept it (the bundle shrinks to about a
 * third). Any origin may load it, as from a stock relay.
 */
function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  const gzipped = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
  const etag = gzipped ? gzipEtag(file.etag) : file.etag
  reply.headers({
    'cache-control': 'public, no-cache',
    etag,
    vary: 'accept-encoding',
    'access-control-allow-origin': '*',
    'x-content-type-options': 'nosniff',
  })
  if (matchesEtag(request.headers['if-none-match'], file.etag)) return reply.code(304).send()
  reply.type(file.type)
  if (gzipped) reply.header('content-encoding', 'gzip')
  return reply.send(gzipped ? file.gzip : file.raw)
}

/**
 * Gun's script-tag files, as a stock relay serves them: `/gun.js` (also
 * `/gun/gun.js`) is Trellis's browser build defining `window.Gun` with
 * `Gun.SEA`, with its source map beside it; `/sea.js` (also `/gun/sea.js`)
 * is a no-op kept for pages that load it. A page written for a stock relay
 * (`<script src="/gun.js">`, then `Gun({ peers: [location.origin + '/gun'] })`)
 * runs Trellis unchanged.
 */
export function registerBrowserScriptRoutes(app: FastifyInstance): void {
  const bundle = lazyFile(BUNDLE, 'text/javascript; charset=utf-8')
  const sourceMap = lazyFile(SOURCE_MAP, 'application/json; charset=utf-8')
  const sea = staticFile('text/javascript; charset=utf-8', Buffer.from(SEA_SHIM))
  const missing = (reply: FastifyReply, path: string) =>
    reply.code(404).type('text/plain; charset=utf-8').send(`${path} is the browser build, not built here: run \`npm run build\` in the trellis package`)
  const files: Record<(typeof BROWSER_SCRIPT_PATHS)[number], () => Promise<StaticFile | undefined>> = {
    '/gun.js': bundle,
    '/gun/gun.js': bundle,
    '/gun.js.map': sourceMap,
    '/gun/gun.js.map': sourceMap,
    '/sea.js': () => sea,
    '/gun/sea.js': () => sea,
  }
  for (const path of BROWSER_SCRIPT_PATHS) {
    app.get(path, async (request, reply) => {
      const file = await files[path]()
      return file === undefined ? missing(reply, path) : send(request, reply, file)
    })
  }
}
