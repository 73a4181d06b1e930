import { readFileSync, statSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { GraphNode } from '../../src/core/node.js'
import { Gun } from '../../src/gun.node.js'
import type { RootChain } from '../../src/instance.js'
import { decrypt, pair, work } from '../../src/sea/index.js'
import type { UserAck } from '../../src/sea/user.js'
import { tmpDir } from '../server/helpers.js'
import { waitUntil } from '../support/wait.js'

/** The claims of THREAT_MODEL.md that need a test of their own (the others cite theirs). */

const instances: RootChain[] = []
afterAll(async () => {
  for (const gun of instances) await gun.close()
})
const open = (options: { peers?: string[] } = {}) => {
  const gun = Gun({ radisk: false, ...options })
  instances.push(gun)
  return gun
}
const call = (run: (cb: (ack: UserAck) => void) => void) => new Promise<UserAck>((resolve) => run(resolve))

describe('a malicious relay', () => {
  it('cannot make a client accept user-space data its owner did not sign', async () => {
    const owner = await pair()
    const soul = `~${owner.pub}`
    // A "relay" that answers every GET with data of its own making.
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const msgs = [].concat(JSON.parse(data.toString()))
        for (const msg of msgs as Array<Record<string, unknown>>) {
          const get = msg.get as { '#'?: string } | undefined
          if (get?.['#'] === undefined) continue
          const asked = get['#']
          const node = { _: { '#': asked, '>': { x: Date.now() } }, x: 'forged' }
          socket.send(JSON.stringify({ '#': `r${Math.random()}`, '@': msg['#'], put: { [asked]: node } }))
        }
      })
    })
    try {
      const port = (server.address() as { port: number }).port
      const gun = open({ peers: [`ws://127.0.0.1:${port}/gun`] })
      // The same forged answer is taken for an ordinary soul (the relay is heard) and refused for user space.
      expect(await gun.get('plain').get('x')).toBe('forged')
      expect(await gun.user(owner.pub).get('x')).toBeUndefined()
      expect(gun.root.engine.peek(soul)).toBeUndefined()
    } finally {
      for (const client of server.clients) client.terminate()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})

describe('a malicious client', () => {
  it("cannot log a victim into its account with a copy of the victim's auth listed first under the alias (Gun #1193)", async () => {
    // The victim's account and the attacker's, made on one instance.
    const a = open()
    const victim = a.user()
    const created = await call((cb) => victim.create('victim', 'victim password', cb))
    const victimPub = created.pub as string
    victim.leave()
    const victimAuth = (await a.user(victimPub).get('auth')) as string
    const attacker = a.user()
    const evil = (await call((cb) => attacker.create('mallory', 'mallory password', cb))).pub as string
    await call((cb) => attacker.auth('mallory', 'mallory password', cb))
    // Its own account now claims the alias and holds the victim's encrypted keys: both signed by the attacker, so valid.
    await new Promise((resolve) => attacker.put({ alias: 'victim', auth: victimAuth }, resolve))
    // The material is real: the victim's password opens the attacker's auth (stock logs the victim in there).
    const copied = JSON.parse((await a.user(evil).get('auth')) as string)
    expect(await decrypt(copied.ek, await work('victim password', copied.s))).toMatchObject({ priv: expect.any(String) })

    // A fresh instance where the attacker's entry under ~@victim comes first.
    const b = open()
    const copy = (soul: string) => b.root.engine.put([(a.root.engine.peek(soul) as GraphNode).clone()], { kind: 'local', id: soul })
    await b.root.engine.put([new GraphNode('~@victim', [`~${evil}`], [{ '#': `~${evil}` }], [Date.now()])], { kind: 'local', id: 'first' })
    await copy(`~${evil}`)
    await copy('~@victim')
    await copy(`~${victimPub}`)
    expect(b.root.engine.peek('~@victim')?.keys[0]).toBe(`~${evil}`)
    const login = await call((cb) => b.user().auth('victim', 'victim password', cb))
    expect(login.err).toBeUndefined()
    expect(login.pub).toBe(victimPub)
  })
})

describe('a stolen session', () => {
  it('recall keeps the session in a file only its owner can read, and leave deletes it', async () => {
    const dir = tmpDir('trellis-session-')
    const file = join(dir, 'session.json')
    const gun = open()
    const user = gun.user()
    user.recall({ file })
    await call((cb) => user.create('sam', 'sam password', cb))
    const login = await call((cb) => user.auth('sam', 'sam password', cb))
    await waitUntil(() => existsSync(file), 'the session file is written')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8')).pub).toBe(login.pub)
    // A restart: a new instance on the same data opens the session from the file.
    const again = open()
    await again.root.engine.put([(gun.root.engine.peek(`~${login.pub}`) as GraphNode).clone()], { kind: 'local', id: 'account' })
    const recalled = await call((cb) => again.user().recall({ file }, cb))
    expect(recalled.pub).toBe(login.pub)
    user.leave()
    await waitUntil(() => !existsSync(file), 'the session file is deleted on leave')
  })
})
