import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import TGun from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { tmpDir, until } from './helpers.js'
import { freePort, startRelayProcess, type RelayProcess } from './processes.js'

/**
 * Gun's PANIC "holy grail" and "on recovery", with a real relay process:
 * Alice and Bob subscribed through a relay; the relay is SIGKILLed; both
 * write offline; the relay restarts on the same port and data directory;
 * both see everything without reloading, and `on` keeps firing.
 */
describe('holy grail and on-recovery with a real relay process', () => {
  let port: number
  let dataDir: string
  let relay: RelayProcess
  let alice: RootChain
  let bob: RootChain
  const aliceSees = new Map<string, unknown>()
  const bobSees = new Map<string, unknown>()

  beforeAll(async () => {
    port = await freePort()
    dataDir = tmpDir('trellis-holy-')
    relay = await startRelayProcess(port, dataDir)
    alice = TGun({ peers: [relay.url], radisk: false })
    bob = TGun({ peers: [relay.url], radisk: false })
    // No waits: subscriptions made before the connection opens are sent when it does, and a write that reaches
    // the relay before a reader's GET comes back in that GET's reply.
    alice
      .get('holy')
      .map()
      .on((v: unknown, k: string) => aliceSees.set(k, v))
    bob
      .get('holy')
      .map()
      .on((v: unknown, k: string) => bobSees.set(k, v))
  })
  afterAll(async () => {
    await alice?.close()
    await bob?.close()
    await relay?.kill('SIGTERM')
  })

  it('online writes cross over', async () => {
    alice.get('holy').put({ alice1: 'hi from alice' })
    bob.get('holy').put({ bob1: 'hi from bob' })
    await until(() => aliceSees.get('bob1') === 'hi from bob' && bobSees.get('alice1') === 'hi from alice', 5000, 'online exchange')
  })

  it('relay killed, both write offline, relay restarted: both see everything', async () => {
    await relay.kill('SIGKILL')
    alice.get('holy').put({ alice2: 'offline alice' })
    bob.get('holy').put({ bob2: 'offline bob' })
    // Bob has applied his write; with the relay down no path leads from Bob to Alice.
    await until(() => bobSees.get('bob2') === 'offline bob' && aliceSees.get('alice2') === 'offline alice', 5000, 'the offline writes applied locally')
    expect(aliceSees.get('bob2')).toBeUndefined()
    relay = await startRelayProcess(port, dataDir)
    await until(() => aliceSees.get('bob2') === 'offline bob' && bobSees.get('alice2') === 'offline alice', 15_000, 'offline writes exchanged')
    expect(aliceSees.get('alice1')).toBe('hi from alice')
    expect(bobSees.get('bob1')).toBe('hi from bob')
  })

  it('on keeps firing after the relay restarted', async () => {
    alice.get('holy').put({ alice3: 'after restart' })
    await until(() => bobSees.get('alice3') === 'after restart', 5000, 'bob sees post-restart write')
    bob.get('holy').put({ bob3: 'after restart too' })
    await until(() => aliceSees.get('bob3') === 'after restart too', 5000, 'alice sees post-restart write')
  })

  it('the restarted relay kept the data on disk (a fresh client reads it all)', async () => {
    const carol = TGun({ peers: [relay.url], radisk: false })
    try {
      // A read made before the connection opens waits for it.
      const seen = new Map<string, unknown>()
      carol
        .get('holy')
        .map()
        .on((v: unknown, k: string) => seen.set(k, v))
      await until(() => seen.size >= 6, 5000, 'carol reads six keys')
    } finally {
      await carol.close()
    }
  })
})
