import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { ENTRY_HEADER } from '../../src/storage/log/codec.js'
import { FRAME_HEADER, SEGMENT_HEADER, checkFrame } from '../../src/storage/log/frame.js'
import { createLogStorage } from '../../src/storage/log/index.js'
import { rawClient } from '../server/helpers.js'
import { freePort, startRelayProcess, type RelayProcess } from '../server/processes.js'
import { quietLogger, tempDir } from './helpers.js'

const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const PUTS = 300

const cleanups: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Offsets of every frame of a segment file, in order. */
function frames(buf: Buffer): number[] {
  const out: number[] = []
  for (let at = SEGMENT_HEADER; at < buf.length; ) {
    const check = checkFrame(buf, at, buf.length)
    if (!check.ok) throw new Error(`test setup: bad frame at ${at}`)
    out.push(at)
    at += check.length
  }
  return out
}

function entriesIn(buf: Buffer, frame: number, end: number): number {
  let count = 0
  for (let e = frame + FRAME_HEADER + 1; e < end; e += ENTRY_HEADER + buf.readUInt32LE(e)) count++
  return count
}

describe('a flipped byte in the last complete frame is corruption, not a torn tail (real relay process)', () => {
  it(`refuses to start, names the file and offset; trellis repair salvages; the relay then starts`, async () => {
    if (!existsSync(cli)) throw new Error('dist/ is missing: run `npm run build` first')
    const { dir, cleanup } = tempDir('corrupt-relay')
    cleanups.push(cleanup)
    const port = await freePort()
    let relay: RelayProcess | undefined = await startRelayProcess(port, dir)
    cleanups.push(() => relay?.kill())

    // One wire put of 300 nodes: acknowledged once durable, as one group commit (one frame).
    const client = await rawClient(relay.url)
    const state = Date.now() - 1000
    const put: Record<string, unknown> = {}
    for (let i = 0; i < PUTS; i++) put[`corrupt/${i}`] = { _: { '#': `corrupt/${i}`, '>': { v: state } }, v: i }
    client.send({ '#': 'bigput1', put })
    const ack = await client.waitFor((m) => m['@'] === 'bigput1', 10_000)
    expect(ack.err).toBeUndefined()
    client.close()
    await relay.kill('SIGKILL')
    relay = undefined

    const segment = readdirSync(dir)
      .filter((n) => n.endsWith('.log'))
      .sort()
      .at(-1) as string
    const path = join(dir, segment)
    const buf = readFileSync(path)
    const last = frames(buf).at(-1) as number
    expect(entriesIn(buf, last, buf.length)).toBe(PUTS)
    // Flip one byte in the middle of the frame's payload: the frame is complete, its CRC fails.
    const target = last + Math.floor((buf.length - last) / 2)
    buf[target] ^= 0x5a
    writeFileSync(path, buf)

    const refused = await startRelayProcess(port, dir).then(
      async (r) => {
        await r.kill()
        return undefined
      },
      (error: unknown) => error as Error,
    )
    expect(refused, 'the relay started over a corrupt frame').toBeInstanceOf(Error)
    expect(refused?.message).toMatch(/relay exited with [1-9]/)
    expect(refused?.message).toContain(`Corrupt record in segment ${path} at offset ${last}: CRC mismatch`)
    expect(refused?.message).toContain(`trellis repair ${dir}`)
    // Nothing was truncated by the refused start.
    expect(readFileSync(path).length).toBe(buf.length)

    const repaired = await runCli(['repair', dir])
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(repaired.stderr).toContain(`${segment} at offset ${last}: CRC mismatch`)
    expect(repaired.stderr).toContain(`${PUTS - 1} entries of it salvaged`)
    expect(repaired.stdout).toContain('1 damaged region(s)')

    relay = await startRelayProcess(port, dir)
    await relay.kill('SIGTERM')
    relay = undefined
    // Every entry of the damaged frame whose own CRC verifies came back: all but the one the byte landed in.
    const store = await createLogStorage({ dir, logger: quietLogger })
    let present = 0
    for (let i = 0; i < PUTS; i++) if ((await store.get(`corrupt/${i}`))?.get('v') === i) present++
    await store.close()
    expect(present).toBe(PUTS - 1)
  }, 60_000)
})
