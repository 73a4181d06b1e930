import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { serveConfig } from '../../src/cli/commands/serve.js'
import { rawClient, tmpDir } from './helpers.js'
import { freePort } from './processes.js'

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

describe('trellis serve', () => {
  it('reads flags over env over defaults', () => {
    expect(serveConfig([], {})).toEqual({ port: 8765, host: '127.0.0.1', dataDir: './data', peers: [] })
    expect(serveConfig([], { PORT: '9000', HOST: '0.0.0.0', DATA_DIR: '/d', PEERS: 'http://a:1/gun, ws://b:2/gun' })).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/d',
      peers: ['http://a:1/gun', 'ws://b:2/gun'],
    })
    expect(serveConfig(['--port', '1234', '--memory'], { PORT: '9000' })).toMatchObject({ port: 1234, dataDir: undefined })
    expect(() => serveConfig(['--port', 'abc'], {})).toThrow(/invalid port 'abc'/)
    expect(() => serveConfig(['--peers', 'ftp://x'], {})).toThrow(/invalid peer URL/)
    expect(() => serveConfig(['--bogus'], {})).toThrow()
  })

  it('--help documents every flag and env var; bad config exits non-zero with a message', () => {
    const help = spawnSync(process.execPath, [MAIN, 'serve', '--help'], { encoding: 'utf8' })
    expect(help.status).toBe(0)
    for (const word of ['--port', 'PORT', '--host', 'HOST', '--data', 'DATA_DIR', '--peers', 'PEERS']) expect(help.stdout).toContain(word)
    const bad = spawnSync(process.execPath, [MAIN, 'serve', '--port', '99999'], { encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/invalid port/)
  })

  it('serves the wire protocol at /gun with data on disk', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', String(port), '--data', tmpDir('trellis-serve-')], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('listening') && resolve())
        child.once('exit', (code) => reject(new Error(`exited ${code}`)))
      })
      const c = await rawClient(`http://127.0.0.1:${port}/gun`)
      c.send({ '#': 'p', put: { s: { _: { '#': 's', '>': { a: 1700000000000 } }, a: 1 } } })
      expect((await c.waitFor((m) => m['@'] === 'p')).ok).toBe(true)
      c.close()
    } finally {
      child.kill('SIGTERM')
    }
  })
})
