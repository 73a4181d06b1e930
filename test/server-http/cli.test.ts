import { execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { call, serve, until, type Served } from './helpers.js'
import { freePort } from '../server/processes.js'

const run = promisify(execFile)
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

async function trellis(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { timeout: 20_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

describe('CLI client: trellis get / put / watch (built, against a listening relay)', () => {
  let s: Served
  beforeAll(async () => {
    s = await serve()
  })
  afterAll(async () => {
    await s.close()
  })

  it('put writes through /gun (acknowledged), get reads it back, the REST API agrees', async () => {
    const put = await trellis(['put', 'cli/ann', '{"name":"Ann","address":{"city":"Oslo"}}', '--peer', s.gunUrl])
    expect(put, put.stderr).toMatchObject({ code: 0, stdout: 'ok\n' })
    const node = await trellis(['get', 'cli/ann', '--peer', s.base]) // a bare origin means its /gun
    expect(node.code, node.stderr).toBe(0)
    expect(JSON.parse(node.stdout)).toEqual({ name: 'Ann', address: { '#': 'cli/ann/address' } })
    const city = await trellis(['get', 'cli/ann/address/city', '--peer', s.gunUrl])
    expect(city.stdout).toBe('"Oslo"\n')
    expect((await call(s.base, 'GET', '/api/v1/data/cli/ann/address/city')).body.data).toBe('Oslo')
  })

  it('get of nothing exits 1; bad input exits 2 with a clear message', async () => {
    const missing = await trellis(['get', 'cli/nobody', '--peer', s.gunUrl])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('nothing at cli/nobody')
    const badJson = await trellis(['put', 'cli/x', '{nope', '--peer', s.gunUrl])
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toContain('invalid JSON')
    const badPeer = await trellis(['get', 'x', '--peer', 'ftp://nowhere'])
    expect(badPeer.code).toBe(2)
    expect(badPeer.stderr).toContain('invalid peer URL')
    const array = await trellis(['put', 'cli/x', '{"a":[1]}', '--peer', s.gunUrl])
    expect(array.code).toBe(1)
    expect(array.stderr).toContain('Invalid data: Array at cli.x.a')
  })

  it('a relay that is not there is told apart from "nothing there": exit 3, at once', async () => {
    const port = await freePort() // bound, then released: nothing listens there
    const peer = `http://127.0.0.1:${port}/gun`
    for (const args of [
      ['get', 'cli/ann', '--peer', peer],
      ['put', 'cli/ann', '{"a":1}', '--peer', peer],
    ]) {
      const result = await trellis(args)
      expect({ args, code: result.code }).toEqual({ args, code: 3 })
      expect(result.stderr).toContain(`cannot reach ${peer}`)
    }
  })

  it('watch prints the value and every change as JSON lines; SIGTERM exits 0', async () => {
    await call(s.base, 'PUT', '/api/v1/data/cli-live', { n: 0 })
    const child = spawn(process.execPath, [MAIN, 'watch', 'cli-live/n', '--peer', s.gunUrl], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    await until(() => out.includes('"data":0'), 10_000, 'first value')
    await call(s.base, 'PATCH', '/api/v1/data/cli-live', { n: 1 })
    await until(() => out.includes('"data":1'), 5000, 'update')
    expect(
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toContainEqual({ key: 'n', data: 1 })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('every command documents itself', async () => {
    for (const name of ['get', 'put', 'watch']) {
      const help = await trellis([name, '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toContain(`trellis ${name}`)
      expect(help.stdout).toContain('--peer')
    }
  })
})
