import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.node.js'
import type { RootChain } from '../../src/instance.js'
import { clusterRelay, type ClusterRelay } from './cluster.js'
import { stablePort } from './ports.js'
import { startProxy, type LinkProxy } from './proxy.js'
import { waitUntil } from '../support/wait.js'

/**
 * The smallest cases behind the Jepsen test's failures, with real relay
 * processes and disks: a write acknowledged by one relay while another is cut
 * off or down must reach that relay once it is back. Nobody reads the soul,
 * so no read can pull it over: only the relays' own catch-up can.
 * Failed before relays caught each other up through their change feeds
 * (src/mesh/catch-up.ts).
 */

const url = (port: number) => `http://127.0.0.1:${port}/gun`
let cleanup: (() => Promise<void>)[] = []

afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {})
  cleanup = []
})

/** Two relays; r0 dials r1 through proxies[0] and r1 dials r0 through proxies[1]; a client on r0. */
async function pair(): Promise<{ relays: ClusterRelay[]; proxies: LinkProxy[]; client: RootChain }> {
  const root = mkdtempSync(join(tmpdir(), 'trellis-catchup-'))
  cleanup.push(async () => rmSync(root, { recursive: true, force: true }))
  const ports = [await stablePort(), await stablePort()]
  const proxies = [await startProxy('r0->r1', ports[1]), await startProxy('r1->r0', ports[0])]
  for (const p of proxies) cleanup.push(() => p.close())
  const relays = [0, 1].map((i) => clusterRelay(`r${i}`, ports[i], join(root, `r${i}`), `relay-${i}`, () => [url(proxies[i].port)]))
  for (const r of relays) cleanup.push(() => r.kill('SIGKILL'))
  await Promise.all(relays.map((r) => r.start()))
  await until(async () => (await Promise.all(relays.map((r) => r.linked()))).every(Boolean), 15_000, 'the relays link up')
  // reason: the untyped chain (the runtime object behind Db) takes any soul and key.
  const client = createDb({ peers: [url(ports[0])], ackTimeout: 60_000 }) as unknown as RootChain
  cleanup.push(() => client.close())
  return { relays, proxies, client }
}

const until = (check: () => Promise<boolean>, timeoutMs: number, what: string) => waitUntil(check, what, timeoutMs)

const write = (client: RootChain, soul: string, key: string, value: string) =>
  new Promise<void>((resolve, reject) =>
    client.get(soul).put({ [key]: value }, (ack: { err?: string }) => (ack.err === undefined ? resolve() : reject(new Error(ack.err)))),
  )

const holds = async (relay: ClusterRelay, soul: string, key: string) => (await relay.dump())[soul]?.[key] !== undefined

describe('relays catch each other up (real processes)', () => {
  it('a write acknowledged during a partition reaches the other relay after the heal', async () => {
    const { relays, proxies, client } = await pair()
    await write(client, 'catchup', 'before', 'v0')
    await until(() => holds(relays[1], 'catchup', 'before'), 5000, 'r1 has the write made before the partition')
    for (const p of proxies) p.cut()
    await write(client, 'catchup', 'during', 'v1')
    for (const p of proxies) p.heal()
    await until(async () => (await Promise.all(relays.map((r) => r.linked()))).every(Boolean), 15_000, 'the relays link up again')
    await until(() => holds(relays[1], 'catchup', 'during'), 10_000, 'r1 has the write acknowledged by r0 during the partition').catch((error: unknown) => {
      // Run with TRELLIS_JEPSEN_LOG=1 for the relays' mesh log lines here.
      console.error(relays.map((r) => `${r.name}:\n${r.stderrTail()}`).join('\n'))
      throw error
    })
    expect(await holds(relays[1], 'catchup', 'during')).toBe(true)
  }, 60_000)

  it('a write acknowledged while a relay is down reaches it after its restart', async () => {
    const { relays, client } = await pair()
    await relays[1].kill('SIGKILL')
    await write(client, 'restart', 'while-down', 'v1')
    await relays[1].start()
    await until(async () => (await Promise.all(relays.map((r) => r.linked()))).every(Boolean), 15_000, 'the relays link up again')
    await until(() => holds(relays[1], 'restart', 'while-down'), 10_000, 'the restarted r1 has the write r0 acknowledged while it was down')
    expect(await holds(relays[1], 'restart', 'while-down')).toBe(true)
  }, 60_000)
})
