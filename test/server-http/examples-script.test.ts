import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tmpDir } from './helpers.js'

const SCRIPT = fileURLToPath(new URL('../../scripts/examples.mjs', import.meta.url))

interface Run {
  child: ChildProcess
  output(): string
  exited: Promise<number | string>
}

/** `node scripts/examples.mjs` over a folder of apps, in memory, on a free port; resolves once it printed the example URLs. */
function runExamples(dir: string): Promise<Run & { urls: Map<string, string> }> {
  const child = spawn(process.execPath, [SCRIPT, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TRELLIS_EXAMPLES_DIR: dir, TRELLIS_EXAMPLES_DATA: '', LOG_LEVEL: 'warn' },
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`examples did not start: ${out}`)), 25_000)
    const onData = () => {
      if (!/\n {2}relay +http:\/\/\S+\/gun/.test(out)) return
      clearTimeout(timer)
      const urls = new Map([...out.matchAll(/^ {2}(\S+) +(http:\/\/\S+)/gm)].map((m) => [m[1], m[2]]))
      resolve({ child, output: () => out, exited, urls })
    }
    child.stdout?.on('data', onData)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`examples exited with ${code}: ${out}`))
    })
  })
}

async function stop(run: Run): Promise<void> {
  run.child.kill('SIGTERM')
  await run.exited
}

describe('npm run examples (scripts/examples.mjs, a real relay process)', () => {
  it('builds each app with Vite and serves it at /examples/<app>/; a broken app is skipped with its error', async () => {
    const dir = tmpDir('trellis-examples-')
    mkdirSync(join(dir, 'hello'))
    writeFileSync(join(dir, 'hello', 'index.html'), '<!doctype html><title>hello</title><div id="app"></div><script type="module" src="./main.js"></script>')
    writeFileSync(join(dir, 'hello', 'main.js'), "document.getElementById('app').textContent = 'hello from vite'\n")
    mkdirSync(join(dir, 'broken'))
    writeFileSync(join(dir, 'broken', 'index.html'), '<!doctype html><script type="module" src="./missing.js"></script>')
    mkdirSync(join(dir, 'notes')) // no index.html, package.json or vite config: not an app
    const run = await runExamples(dir)
    try {
      expect(run.output()).toMatch(/examples\/broken: build failed, skipped/)
      expect([...run.urls.keys()]).toEqual(['hello', 'relay'])
      const page = await fetch(run.urls.get('hello') as string)
      expect(page.status).toBe(200)
      const html = await page.text()
      expect(html).toContain('<title>hello</title>')
      // Vite wrote the asset URL under the mount (base /examples/hello/), so the page's script loads.
      const asset = /src="(\/examples\/hello\/assets\/[^"]+\.js)"/.exec(html)
      expect(asset, html).not.toBeNull()
      const script = await fetch(new URL((asset as RegExpExecArray)[1], run.urls.get('hello')))
      expect(script.status).toBe(200)
      expect(await script.text()).toContain('hello from vite')
    } finally {
      await stop(run)
    }
  })

  it('with no apps yet, says so and runs the relay alone', async () => {
    const run = await runExamples(join(tmpDir('trellis-examples-'), 'none'))
    try {
      expect(run.output()).toContain('No example apps in')
      expect(run.output()).toContain('(none yet)')
      expect((await fetch(new URL('/healthz', run.urls.get('relay')))).status).toBe(200)
    } finally {
      await stop(run)
    }
  })
})
