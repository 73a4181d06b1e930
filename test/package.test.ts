import { execFile, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The package as a user gets it: `npm pack` of this checkout (its `prepare` builds dist), the
 * tarball installed into an empty project, then the README's quick start, the Gun drop-in with SEA,
 * and the `trellis` bin run from there (its relay serving the script-tag build at /gun.js).
 */
const repo = join(import.meta.dirname, '..')
const run = promisify(execFile)
const work = mkdtempSync(join(tmpdir(), 'trellis-pack-'))
const children: ReturnType<typeof spawn>[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
})

function quickStartCode(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('## Quick start')))
  if (match === null) throw new Error('README has no quick start code block')
  return match[1]
}

describe('the packed package, installed into an empty project', () => {
  it('ships dist, docs and the license, and runs the quick start, SEA and the bin', { timeout: 240_000 }, async () => {
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 })
    const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>
    const files = info.files.map((f) => f.path)
    for (const wanted of [
      'dist/gun.node.js',
      'dist/browser/gun.js',
      'dist/sea/index.js',
      'dist/react/index.js',
      'docs/react.md',
      'dist/cli/main.js',
      'docs/sea.md',
      'README.md',
      'LICENSE',
      'THREAT_MODEL.md',
      'CHANGELOG.md',
    ]) {
      expect(files).toContain(wanted)
    }
    expect(files.some((f) => f.startsWith('src/') || f.startsWith('test/'))).toBe(false)

    const app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }))
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, info.filename)], { cwd: app, timeout: 180_000 })

    // The bin answers, and serves a relay.
    const bin = join(app, 'node_modules', '.bin', 'trellis')
    expect((await run(bin, ['--help'], { cwd: app, timeout: 20_000 })).stdout).toMatch(/serve/)
    const relay = spawn(bin, ['serve', '--port', '0', '--memory'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(relay)
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('relay did not start')), 20_000)
      relay.stdout?.on('data', (chunk: Buffer) => {
        const match = /listening on (\S+\/gun)/.exec(chunk.toString())
        if (match !== null) {
          clearTimeout(timer)
          resolve(match[1])
        }
      })
    })
    writeFileSync(join(app, 'quickstart.mjs'), quickStartCode())
    const quick = await run(process.execPath, ['quickstart.mjs'], { cwd: app, env: { ...process.env, RELAY: url }, timeout: 30_000 })
    expect(quick.stdout.trim()).toBe("Mark's boss is Fluffy")

    writeFileSync(
      join(app, 'sea.mjs'),
      `import Gun from 'trellis/gun'
import { SEA } from 'trellis/sea'
const pair = await Gun.SEA.pair()
const ok = (await SEA.verify(await SEA.sign('hello', pair), pair.pub)) === 'hello'
const gun = Gun({ peers: [process.env.RELAY] })
const user = gun.user()
await new Promise((r) => user.create('packed', 'a long password', r))
const login = await new Promise((r) => user.auth('packed', 'a long password', r))
await new Promise((r) => user.get('note').put('from the tarball', r))
console.log(ok, login.pub === user.is.pub, await gun.user(user.is.pub).get('note'))
await gun.close()
`,
    )
    const sea = await run(process.execPath, ['sea.mjs'], { cwd: app, env: { ...process.env, RELAY: url }, timeout: 30_000 })
    expect(sea.stdout.trim()).toBe('true true from the tarball')

    // The installed relay finds its script-tag build inside the package (dist/browser/gun.js).
    const script = await fetch(url.replace(/\/gun$/, '/gun.js'))
    expect(script.status).toBe(200)
    expect(await script.text()).toMatch(/^var Gun=/)
  })
})
