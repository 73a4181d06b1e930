import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRelay, type Relay } from '../../src/server/relay.js'
import { tmpDir } from './helpers.js'
import { startServerProcess } from './processes.js'

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A request with the path sent exactly as written (fetch would resolve `..` and `%2e%2e` before sending). */
function raw(port: number, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A site folder, and beside it (outside) a secret that symbolic links inside point at. */
function makeSite(): { site: string; outside: string } {
  const base = tmpDir('trellis-static-')
  const site = join(base, 'site')
  const outside = join(base, 'outside')
  mkdirSync(join(site, 'sub'), { recursive: true })
  mkdirSync(join(site, 'assets'))
  mkdirSync(outside)
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>site</title>')
  writeFileSync(join(site, 'sub', 'index.html'), '<!doctype html><title>sub</title>')
  writeFileSync(join(site, 'assets', 'app.js'), 'console.log(1)\n')
  writeFileSync(join(site, 'assets', 'app.css'), 'body{}\n')
  writeFileSync(join(site, 'data.json'), '{"a":1}')
  writeFileSync(join(site, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(site, '.env'), 'SECRET=1')
  writeFileSync(join(outside, 'secret.txt'), 'top secret')
  symlinkSync(join(outside, 'secret.txt'), join(site, 'link.txt'))
  symlinkSync(outside, join(site, 'linkdir'))
  symlinkSync(join(site, 'data.json'), join(site, 'inner-link.json'))
  return { site, outside }
}

describe('--static: files served beside the relay (createRelay, real HTTP on 127.0.0.1)', () => {
  let relay: Relay
  let port: number
  beforeAll(async () => {
    const { site } = makeSite()
    relay = await createRelay({ port: 0, static: [{ dir: site, mount: '/app' }] })
    port = relay.port
  })
  afterAll(async () => {
    await relay.close()
  })

  it('serves files with their content types, index.html for directories, a redirect to the trailing slash', async () => {
    const index = await raw(port, '/app/')
    expect(index.status).toBe(200)
    expect(index.headers['content-type']).toMatch(/^text\/html/)
    expect(index.body).toContain('<title>site</title>')
    expect((await raw(port, '/app/sub/')).body).toContain('<title>sub</title>')
    const js = await raw(port, '/app/assets/app.js')
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/)
    expect((await raw(port, '/app/assets/app.css')).headers['content-type']).toMatch(/^text\/css/)
    expect((await raw(port, '/app/data.json')).headers['content-type']).toMatch(/^application\/json/)
    expect((await raw(port, '/app/logo.svg')).headers['content-type']).toMatch(/^image\/svg\+xml/)
    const bare = await raw(port, '/app')
    expect(bare.status).toBe(301)
    expect(bare.headers.location).toBe('/app/')
    expect((await raw(port, '/app/sub')).status).toBe(301)
  })

  it('answers a matching If-None-Match with 304', async () => {
    const first = await raw(port, '/app/assets/app.js')
    const etag = first.headers.etag as string
    expect(etag).toBeTruthy()
    const again = await raw(port, '/app/assets/app.js', { 'if-none-match': etag })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
    expect((await raw(port, '/app/assets/app.js', { 'if-none-match': '"other"' })).status).toBe(200)
  })

  it('is a plain static server: an unknown path is a 404, not index.html', async () => {
    const missing = await raw(port, '/app/no/such/route')
    expect(missing.status).toBe(404)
    expect(missing.body).not.toContain('<title>site</title>')
  })

  it('never leaves the folder: .., encoded .., absolute paths, symbolic links out, dotfiles', async () => {
    for (const path of [
      '/app/../app/../../outside/secret.txt',
      '/app/%2e%2e/outside/secret.txt',
      '/app/%2E%2E/%2e%2e/outside/secret.txt',
      '/app/..%2foutside%2fsecret.txt',
      '/app/%2e%2e%2f%2e%2e%2foutside%2fsecret.txt',
      '/app/sub/..%5c..%5coutside%5csecret.txt',
      '/app//etc/passwd',
      '/app/%2fetc%2fpasswd',
      '/app/link.txt',
      '/app/linkdir/secret.txt',
      '/app/.env',
    ]) {
      const response = await raw(port, path)
      expect([400, 403, 404], `${path} → ${response.status}`).toContain(response.status)
      expect(response.body, path).not.toContain('top secret')
      expect(response.body, path).not.toContain('root:')
      expect(response.body, path).not.toContain('SECRET=1')
    }
    // A link that stays inside the folder is served.
    expect((await raw(port, '/app/inner-link.json')).body).toBe('{"a":1}')
  })

  it("leaves the relay's own routes alone", async () => {
    expect((await raw(port, '/healthz')).status).toBe(200)
    expect((await raw(port, '/api/v1/data/nothing')).status).toBe(404)
    expect((await raw(port, '/')).headers['content-type']).toMatch(/^text\/html/) // the admin UI
    expect((await raw(port, '/gun.js')).status).not.toBe(500)
  })
})

describe('--static: mounts checked at start', () => {
  it('refuses a mount on or under a relay route, and a file the relay would answer instead', async () => {
    const { site } = makeSite()
    const bad: [string, RegExp][] = [
      ['/', /the admin UI is at \//],
      ['/gun', /shadow the relay's own route \/gun/],
      ['/api/v1', /shadow the relay's own route \/api\/v1\//],
      ['/api/v1/things', /shadow the relay's own route \/api\/v1\//],
      ['/metrics', /shadow/],
      ['/healthz', /shadow/],
      ['/gun.js', /shadow/],
      ['/_admin', /shadow/],
    ]
    for (const [mount, message] of bad) {
      await expect(createRelay({ port: 0, static: [{ dir: site, mount }] }), mount).rejects.toThrow(message)
    }
    await expect(createRelay({ port: 0, static: [{ dir: join(site, 'nope'), mount: '/x' }] })).rejects.toThrow(/cannot open .*nope \(ENOENT\)/)
    await expect(createRelay({ port: 0, static: [{ dir: join(site, 'data.json'), mount: '/x' }] })).rejects.toThrow(/is not a directory/)
    await expect(
      createRelay({
        port: 0,
        static: [
          { dir: site, mount: '/x' },
          { dir: site, mount: '/x' },
        ],
      }),
    ).rejects.toThrow(/already served at \/x/)
    writeFileSync(join(site, 'gun.js'), '// not the relay build')
    await expect(createRelay({ port: 0, admin: false, static: [{ dir: site, mount: '/' }] })).rejects.toThrow(
      /gun\.js would be hidden by the relay's \/gun\.js/,
    )
  })

  it('serves at / with the admin UI off, beside the relay routes', async () => {
    const { site } = makeSite()
    const relay = await createRelay({ port: 0, admin: false, static: [{ dir: site, mount: '/' }] })
    try {
      expect((await raw(relay.port, '/')).body).toContain('<title>site</title>')
      expect((await raw(relay.port, '/assets/app.js')).status).toBe(200)
      expect((await raw(relay.port, '/readyz')).status).toBe(200)
      expect((await raw(relay.port, '/%2e%2e/outside/secret.txt')).body).not.toContain('top secret')
    } finally {
      await relay.close()
    }
  })
})

describe('trellis serve --static (the built CLI, a real process)', () => {
  it('serves two folders at their mounts; a bad mount exits 1 with the reason', async () => {
    const a = makeSite().site
    const b = makeSite().site
    writeFileSync(join(b, 'index.html'), '<!doctype html><title>b</title>')
    const server = await startServerProcess(['--port', '0', '--memory', '--static', `${a}:/one/`, '--static', `${b}:/two`])
    try {
      const port = Number(new URL(server.base).port)
      expect((await raw(port, '/one/')).body).toContain('<title>site</title>')
      expect((await raw(port, '/two/')).body).toContain('<title>b</title>')
      expect((await raw(port, '/two/assets/app.css')).status).toBe(200)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
    const refused = startServerProcess(['--port', '0', '--memory', '--static', `${a}:/api/v1`])
    await expect(refused).rejects.toThrow(/exited with 1.*would shadow the relay's own route \/api\/v1\//s)
    const badMount = startServerProcess(['--port', '0', '--memory', '--static', `${a}:/x/../y`])
    await expect(badMount).rejects.toThrow(/exited with 2.*invalid static/s)
  })
})
