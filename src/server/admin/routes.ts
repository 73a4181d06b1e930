import type { FastifyInstance } from 'fastify'
import { ADMIN_HTML } from './page.js'
import { ADMIN_JS } from './script.js'
import { ADMIN_CSS } from './style.js'

/** Only our own script and style; data is fetched from our own API. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** The admin UI: a live graph explorer at `/`, three static strings, no framework. */
export function registerAdminRoutes(app: FastifyInstance): void {
  const headers = { 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }
  app.get('/', async (_request, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(ADMIN_HTML))
  app.get('/_admin/app.js', async (_request, reply) => reply.headers(headers).type('text/javascript; charset=utf-8').send(ADMIN_JS))
  // Browsers ask for it; an empty answer keeps the console clean without shipping an icon.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send())
  app.get('/_admin/app.css', async (_request, reply) => reply.headers(headers).type('text/css; charset=utf-8').send(ADMIN_CSS))
}
