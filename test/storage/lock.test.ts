import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { TrellisError } from '../../src/core/errors.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { acquireLock } from '../../src/storage/log/lock.js'
import { quietLogger, tempDir } from './helpers.js'

const opener = fileURLToPath(new URL('./fixtures/lock-opener.mjs', import.meta.url))
const built = fileURLToPath(new URL('../../dist/storage/log/index.js', import.meta.url))
const CONTENDERS = 24

const cleanups: Array<() => void> = []
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  cleanups.splice(0).forEach((c) => c())
})

interface Contender {
  child: ChildProcess
  loaded: Promise<void>
  result: Promise<string>
}

function contender(dir: string): Contender {
  const child = spawn(process.execPath, [opener, dir], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const lines: string[] = []
  const waiters: Array<() => void> = []
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    out += chunk
    let nl: number
    while ((nl = out.indexOf('\n')) !== -1) {
      lines.push(out.slice(0, nl))
      out = out.slice(nl + 1)
      waiters.splice(0).forEach((w) => w())
    }
  })
  const line = (test: (l: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find(test)
        if (found !== undefined) return resolve(found)
        waiters.push(check)
      }
      child.once('exit', (code) => reject(new Error(`contender exited (${code}) before answering: ${stderr}`)))
      check()
    })
  return { child, loaded: line((l) => l === 'loaded').then(() => undefined), result: line((l) => l === 'won' || l.startsWith('lost')) }
}

/** Start every contender, wait until all have loaded, then release them at once; returns each one's answer. */
async function race(dir: string): Promise<{ contenders: Contender[]; results: string[] }> {
  const contenders = Array.from({ length: CONTENDERS }, () => contender(dir))
  await Promise.all(contenders.map((c) => c.loaded))
  for (const c of contenders) c.child.stdin?.write('go\n')
  const results = await Promise.all(contenders.map((c) => c.result))
  return { contenders, results }
}

async function finish(contenders: Contender[]): Promise<void> {
  await Promise.all(
    contenders.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.child.exitCode !== null || c.child.signalCode !== null) return done()
          c.child.once('exit', () => done())
          c.child.stdin?.end()
        }),
    ),
  )
}

/** The pid of a process that has exited (so a LOCK naming it is stale). */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    child.once('exit', () => resolve(child.pid as number))
  })
}

describe('one writer per directory, with many processes racing (real processes)', () => {
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` before the lock tests')

  const rounds: Array<[string, (dir: string) => Promise<void>]> = [
    ['on a fresh directory', async () => undefined],
    ['over a stale LOCK of a dead pid', async (dir) => writeFileSync(join(dir, 'LOCK'), String(await deadPid()))],
    ['over an empty LOCK (a crash between create and write, with the old scheme)', async (dir) => writeFileSync(join(dir, 'LOCK'), '')],
  ]
  for (const [label, prepare] of rounds) {
    it(`admits exactly one of ${CONTENDERS} openers ${label}, twice over`, async () => {
      for (let round = 0; round < 2; round++) {
        const { dir, cleanup } = tempDir('lock-race')
        cleanups.push(cleanup)
        await prepare(dir)
        const { contenders, results } = await race(dir)
        const winners = results.filter((r) => r === 'won')
        expect(winners, results.join('\n')).toHaveLength(1)
        // A loser names the holder's pid when the holder answers within 1 s or its LOCK file already holds it;
        // with 24 processes starting at once on two cores neither may be true yet ("another process").
        for (const r of results.filter((x) => x !== 'won')) expect(r).toMatch(/is in use by (process \d+|another process)/)
        const winner = contenders[results.indexOf('won')]
        expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(winner.child.pid))
        await finish(contenders)
      }
    }, 120_000)
  }

  it('lets the next opener take over the lock of a SIGKILLed owner', async () => {
    const { dir, cleanup } = tempDir('lock-kill')
    cleanups.push(cleanup)
    const first = contender(dir)
    await first.loaded
    first.child.stdin?.write('go\n')
    expect(await first.result).toBe('won')
    const second = contender(dir)
    await second.loaded
    second.child.stdin?.write('go\n')
    expect(await second.result).toMatch(new RegExp(`in use by process ${first.child.pid}`))
    await new Promise<void>((done) => {
      first.child.once('exit', () => done())
      first.child.kill('SIGKILL')
    })
    // The dead owner's LOCK file is still there; the kernel freed the real lock with the process.
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(first.child.pid))
    const third = contender(dir)
    await third.loaded
    third.child.stdin?.write('go\n')
    expect(await third.result).toBe('won')
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(third.child.pid))
    await finish([second, third])
  }, 30_000)
})

describe('the lock in one process', () => {
  it('refuses a second open, releases on close, and does not keep the process alive', async () => {
    const { dir, cleanup } = tempDir('lock-local')
    cleanups.push(cleanup)
    const store = await createLogStorage({ dir, logger: quietLogger })
    const error = await createLogStorage({ dir, logger: quietLogger }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TrellisError)
    expect((error as Error).message).toContain('already open in this process')
    await store.close()
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    const again = await createLogStorage({ dir, logger: quietLogger })
    await again.close()
  })

  it('an open store does not keep its process alive (the lock socket is unref()ed)', async () => {
    const { dir, cleanup } = tempDir('lock-unref')
    cleanups.push(cleanup)
    const script = `const { createLogStorage } = await import(${JSON.stringify(built)}); await createLogStorage({ dir: ${JSON.stringify(dir)} }); console.log('opened')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let out = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    expect(out).toContain('opened')
    expect(code).toBe(0)
  }, 30_000)

  it('file mode (the non-Linux fallback): one owner, a dead owner taken over, a live one refused', async () => {
    const { dir, cleanup } = tempDir('lock-file')
    cleanups.push(cleanup)
    writeFileSync(join(dir, 'LOCK'), String(await deadPid()))
    const release = await acquireLock(dir, { mode: 'file' })
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid))
    await release()
    expect(existsSync(join(dir, 'LOCK'))).toBe(false)
    // A live owner (the parent of this process, say) refuses.
    writeFileSync(join(dir, 'LOCK'), String(process.ppid))
    await expect(acquireLock(dir, { mode: 'file' })).rejects.toThrow(`in use by process ${process.ppid}`)
  })
})
