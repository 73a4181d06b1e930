import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createTrellisNode } from '../../src/server/http/node.js'
import { PEER_CURSORS_FILE, RELAY_ID_FILE, openCursorFile, relayIdentity } from '../../src/server/relay-state.js'

/** What a relay keeps beside its log for catch-up: its pid, and its cursors into other relays' feeds. */

let dirs: string[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-relay-state-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs = []
})

describe('relay state in the data directory', () => {
  it('a relay with a data directory keeps its pid across restarts (made once); a given pid wins', async () => {
    const dir = tempDir()
    const first = await createTrellisNode({ dataDir: dir })
    const pid = first.mesh.pid
    await first.close()
    expect(existsSync(join(dir, RELAY_ID_FILE))).toBe(true)
    const second = await createTrellisNode({ dataDir: dir })
    expect(second.mesh.pid).toBe(pid)
    await second.close()
    const third = await createTrellisNode({ dataDir: dir, pid: 'given' })
    expect(third.mesh.pid).toBe('given')
    await third.close()
    expect(await relayIdentity(dir)).toBe(pid)
  })

  it('cursors survive a reopen, are written atomically, bounded in count, and a damaged file is ignored', async () => {
    const dir = tempDir()
    const cursors = await openCursorFile(dir, { max: 3, flushMs: 5 })
    for (let i = 0; i < 5; i++) cursors.set(`relay-${i}`, `L1:1:${i}:1:${i}:0:0`)
    cursors.set('relay-x'.repeat(40), 'too long a pid is not kept')
    await cursors.flush()
    expect(cursors.size).toBe(3)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const reopened = await openCursorFile(dir, { max: 3 })
    expect(reopened.get('relay-4')).toBe('L1:1:4:1:4:0:0')
    expect(reopened.get('relay-0')).toBeUndefined()
    expect(reopened.size).toBe(3)

    writeFileSync(join(dir, PEER_CURSORS_FILE), '{"version":1,"cursors":{"a":"x","__proto__":{"polluted":true}')
    const lines: string[] = []
    const damaged = await openCursorFile(dir, { log: (line) => lines.push(line) })
    expect(damaged.size).toBe(0)
    expect(lines.join('\n')).toContain('ignoring')
    writeFileSync(join(dir, PEER_CURSORS_FILE), '{"version":1,"cursors":{"a":"x","__proto__":"y","b":7}}')
    const hostile = await openCursorFile(dir)
    expect(hostile.get('a')).toBe('x')
    expect(hostile.get('b')).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
