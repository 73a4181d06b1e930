import { execFile, spawn } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const repo = join(import.meta.dirname, '..')
const run = promisify(execFile)

/** The first ```js block after "## Quick start" in the README: the quick start is tested as written. */
function quickStartCode(): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Quick start'))
  const match = /```js\n([\s\S]*?)```/.exec(section)
  if (match === null) throw new Error('README has no quick start code block')
  return match[1]
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

const children: ReturnType<typeof spawn>[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
})

describe('README quick start', () => {
  it('runs as written against a relay started with the CLI', async () => {
    const port = await freePort()
    const relay = spawn(process.execPath, [join(repo, 'dist/cli/main.js'), 'serve', '--port', String(port), '--memory'], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(relay)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('relay did not start')), 10_000)
      relay.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
      relay.on('exit', (code) => reject(new Error(`relay exited with ${code}`)))
    })
    // Inside the package, so that `trellis` and `trellis/gun` resolve to this package's build.
    mkdirSync(join(repo, '.test-tmp'), { recursive: true })
    const file = join(repo, '.test-tmp', 'quickstart.mjs')
    writeFileSync(file, quickStartCode())
    const { stdout } = await run(process.execPath, [file], { env: { ...process.env, RELAY: `http://127.0.0.1:${port}/gun` }, timeout: 20_000 })
    expect(stdout.trim()).toBe("Mark's boss is Fluffy")
  })
})
