import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parsePrometheus } from '../server-http/prometheus.js'
import { rawClient, type RawClient } from './helpers.js'
import { freePort } from './processes.js'
import { waitUntil } from '../support/wait.js'

/**
 * The cluster secret end to end, with `trellis serve` processes (flag and environment variable): a
 * relay that dials another one it is not listed by proves itself with the secret and becomes that
 * relay's relay peer — every change is pushed to it, not only what it subscribed to; with a wrong
 * secret it stays a client there, and the failed proof is counted.
 */
const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const children: ChildProcess[] = []
const clients: RawClient[] = []
afterEach(() => {
  for (const c of clients.splice(0)) c.close()
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ port: number; url: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, [MAIN, 'serve', '--memory', '--no-admin', '--log-level', 'silent', '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  children.push(child)
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && resolve())
    child.once('exit', (code) => reject(new Error(`exited ${code}`)))
  })
  return { port, url: `http://127.0.0.1:${port}/gun` }
}

async function metric(port: number, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  return parsePrometheus(text).samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0
}

async function metricUntil(port: number, name: string, labels: Record<string, string>, check: (v: number) => boolean): Promise<number> {
  let last = NaN
  return waitUntil(
    async () => {
      last = await metric(port, name, labels)
      return check(last) && { value: last }
    },
    `${name} ${JSON.stringify(labels)} passes its check`,
  ).then(
    (found) => found.value,
    (error: unknown) => {
      throw new Error(`${(error as Error).message}: ${last}`)
    },
  )
}

const writesFromPeers = (port: number) => metric(port, 'trellis_writes_total', { origin: 'peer' })

describe('trellis serve --peer-secret / TRELLIS_PEER_SECRET', () => {
  it('a relay that proves the secret is a relay peer of the relay it dials: every change reaches it', async () => {
    const b = await serve(['--peer-secret', 'shared-secret'])
    const a = await serve(['--peers', `http://127.0.0.1:${b.port}/gun`], { TRELLIS_PEER_SECRET: 'shared-secret' })
    await metricUntil(b.port, 'trellis_relay_links', { kind: 'accepted_proven' }, (v) => v === 1)
    // A client of B writes a soul nobody at A ever read: as B's relay peer, A gets the change anyway.
    const before = await writesFromPeers(a.port)
    const writer = await rawClient(b.url)
    clients.push(writer)
    writer.send({ '#': 'w1', put: { 'unread/soul': { _: { '#': 'unread/soul', '>': { v: Date.now() } }, v: 'pushed' } } })
    await writer.waitFor((m) => m['@'] === 'w1' && m.ok === true, 5000)
    await metricUntil(a.port, 'trellis_writes_total', { origin: 'peer' }, (v) => v > before)
  })

  it('with a wrong secret the dialling relay stays a client there, and the failed proof is counted', async () => {
    const b = await serve(['--peer-secret', 'shared-secret'])
    await serve(['--peers', `http://127.0.0.1:${b.port}/gun`, '--peer-secret', 'not-the-secret'])
    await metricUntil(b.port, 'trellis_mesh_refusals_total', { reason: 'relay_proof' }, (v) => v >= 1)
    expect(await metric(b.port, 'trellis_relay_links', { kind: 'accepted_proven' })).toBe(0)
  })
})
