// The implementations under test, each behind the same small surface so a
// scenario is written once: a Gun-like constructor plus the options that
// make an in-memory, a durable or a relay-client instance of it. `ws` and
// `lmdb` are the ceilings: not databases with Gun's API, so scenarios that
// use them go through the facades in ceilings/.
// A Trellis chain is thenable (it has `.then`), so these functions never
// return a chain from an async function: `memory()` and `client()` are
// synchronous and `durable()` wraps the chain in `{ db }`.
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Stock Gun's options shared by every instance: never join LAN multicast, never write stats files into node_modules. */
const GUN_BASE = { multicast: false, stats: false }

function gunImpl() {
  // `gun/gun` is the core build a browser gets (no RAD, AXE, SEA or YSON):
  // faster in memory and smaller per node than the Node build, so it is the
  // fair (most favourable to Gun) choice for in-memory figures and clients.
  // Loaded on first use: the runner process only needs the version, and
  // loading Gun prints a banner on stdout.
  const GunCore = (...args) => require('gun/gun')(...args)
  const GunWs = () => createRequire(require.resolve('gun'))('ws')
  return {
    id: 'gun',
    label: 'stock Gun',
    available: true,
    features: { gun: true, durable: true, relay: true },
    version: readJson(`${ROOT}node_modules/gun/package.json`).version,
    memory() {
      return GunCore({ ...GUN_BASE, localStorage: false, radisk: false, axe: false, peers: [] })
    },
    async durable(dir) {
      // The Node build with RAD on a fresh directory, as a Gun server uses it.
      const GunNode = require('gun')
      return { db: GunNode({ ...GUN_BASE, file: dir, localStorage: false, axe: false }), close: async () => {} }
    },
    client(url) {
      return GunCore({ ...GUN_BASE, peers: [url], localStorage: false, radisk: false, axe: false, WebSocket: GunWs() })
    },
    /** SEA on the same Gun (`gun/sea` attaches to `gun/gun`); instances made after this check and sign. */
    async sea() {
      require('gun/gun')
      return require('gun/sea')
    },
  }
}

async function trellisImpl() {
  const version = readJson(`${ROOT}package.json`).version
  const base = { id: 'trellis', label: 'Trellis', version: `${version}${gitRev()}` }
  let Gun
  try {
    Gun = (await import('trellis/gun')).default
  } catch (err) {
    return { ...base, available: false, reason: `trellis/gun does not load (${short(err)}); run npm run build`, features: {} }
  }
  const log = await tryImport('trellis/storage/log', 'createLogStorage')
  const server = await tryImport('trellis/server', 'createRelay')
  return {
    ...base,
    available: true,
    features: { gun: true, durable: log.ok || log.reason, relay: server.ok || server.reason },
    memory() {
      return Gun({ peers: [], radisk: false })
    },
    async durable(dir) {
      if (!log.ok) throw new Error(log.reason)
      const storage = await log.value({ dir, durability: 'fsync' })
      return { db: Gun({ peers: [], storage }), storage, close: () => storage.close() }
    },
    client(url) {
      return Gun({ peers: [url], radisk: false })
    },
    async sea() {
      return (await import('trellis/sea')).SEA
    },
  }
}

function ceilingImpl(id) {
  const pkg = id === 'ws' ? 'ws' : 'lmdb'
  return {
    id,
    label: id === 'ws' ? 'bare ws' : 'LMDB',
    available: true,
    features: id === 'ws' ? { relay: true } : { durable: true },
    version: readJson(`${ROOT}node_modules/${pkg}/package.json`).version,
  }
}

/** Load one implementation; never throws: an unavailable one says why. */
export async function loadImpl(id) {
  switch (id) {
    case 'gun':
      return gunImpl()
    case 'trellis':
      return trellisImpl()
    case 'ws':
    case 'lmdb':
      return ceilingImpl(id)
    default:
      return { id, available: false, reason: `unknown implementation ${id}`, features: {} }
  }
}

/** Whether `impl` offers every feature in `needs`; the reason when it does not. */
export function supports(impl, needs) {
  if (!impl.available) return { ok: false, reason: impl.reason }
  for (const need of needs) {
    const f = impl.features[need]
    if (f !== true) return { ok: false, reason: typeof f === 'string' ? f : `${impl.id} has no ${need} support` }
  }
  return { ok: true }
}

async function tryImport(specifier, name) {
  try {
    const mod = await import(specifier)
    if (typeof mod[name] !== 'function') return { ok: false, reason: `${specifier} has no ${name} export yet` }
    return { ok: true, value: mod[name] }
  } catch (err) {
    return { ok: false, reason: `${specifier} does not load (${short(err)})` }
  }
}

function gitRev() {
  try {
    const head = readFileSync(`${ROOT}.git/HEAD`, 'utf8').trim()
    const ref = head.startsWith('ref: ') ? head.slice(5) : undefined
    const sha = ref ? readRef(ref) : head
    return sha ? `+${sha.slice(0, 7)}` : ''
  } catch {
    return ''
  }
}

function readRef(ref) {
  const loose = `${ROOT}.git/${ref}`
  if (existsSync(loose)) return readFileSync(loose, 'utf8').trim()
  const packed = readFileSync(`${ROOT}.git/packed-refs`, 'utf8')
    .split('\n')
    .find((l) => l.endsWith(` ${ref}`))
  return packed?.split(' ')[0]
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function short(err) {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]
}
