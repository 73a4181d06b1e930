import { invalidData, TrellisError } from '../errors.js'
import { GraphNode } from '../node.js'
import { randomSoul } from '../random.js'
import { isLink, isValue, type Value } from '../types.js'
import { plainValue } from '../user-space.js'
import { keyError, soulError, valueError } from '../validate.js'
import { diffFor, ifyObject, isPlainObject, linkFor, ownSoul, type IfyContext } from './ify.js'
import { describePath, type ChainPath } from './path.js'
import { resolve } from './resolve.js'
import type { Root } from './root.js'

/**
 * Turning a chain's `put(data)` into graph diffs: the place it writes to (path links made where
 * none exist), nested objects as linked nodes, every key at one state. Nothing is written here;
 * the chain hands the nodes to its root's write pipeline.
 */

/** What a put needs of a chain: its place in the tree and its root. */
export interface WriteChain extends ChainPath {
  readonly root: Root
  readonly parent: WriteChain | undefined
}

/** A fresh put context: one state for every key the put writes. */
export function context(root: Root, state: number, isChain: (value: unknown) => value is WriteChain): IfyContext {
  return {
    state,
    limits: root.limits,
    nodes: new Map(),
    seen: new Map(),
    async existingLink(soul, key) {
      const pending = root.pendingLink(soul, key)
      if (pending !== undefined) return pending
      const { node } = await root.loadNow(soul)
      const value = node === undefined ? undefined : plainValue(soul, node.get(key))
      return value !== undefined && isLink(value) ? value['#'] : undefined
    },
    chainSoul(value) {
      if (!isChain(value)) return undefined
      return writeTarget(value, this)
    },
  }
}

/** The soul a chain points at for writing, creating path links (`parent/key`) where none exist yet. */
export async function writeTarget(chain: WriteChain, ctx: IfyContext): Promise<string> {
  const step = chain.step
  switch (step.kind) {
    case 'soul':
      return step.soul
    case 'key': {
      const parentSoul = await writeTarget(chain.parent as WriteChain, ctx)
      const existing = await ctx.existingLink(parentSoul, step.key)
      if (existing !== undefined) return existing
      const refused = keyError(step.key, parentSoul, ctx.limits)
      if (refused !== undefined) throw refused
      const child = `${parentSoul}/${step.key}`
      const childRefused = soulError(child, ctx.limits)
      if (childRefused !== undefined) throw childRefused
      diffFor(ctx, parentSoul).set(step.key, { '#': child }, ctx.state)
      return child
    }
    default:
      throw new TrellisError('INVALID_DATA', `Cannot write through ${throughWhat(step.kind)} at ${describePath(chain) || 'root'}`)
  }
}

/**
 * The common case without a promise: a flat object put on a soul, or a
 * value put on a key of a soul. Undefined when links must be looked up.
 */
export function buildPutNow(chain: WriteChain, data: unknown): GraphNode[] | undefined {
  const step = chain.step
  if (step.kind === 'key') return valueOnSoulKey(chain, step.key, data)
  if (step.kind !== 'soul' || !isPlainObject(data) || Object.hasOwn(data, '_') || isLink(data)) return undefined
  const limits = chain.root.limits
  const soulRefused = soulError(step.soul, limits)
  if (soulRefused !== undefined) throw soulRefused
  const keys = Object.keys(data)
  const values: Value[] = new Array(keys.length)
  const states: number[] = new Array(keys.length)
  const state = chain.root.engine.clock.next()
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const value = data[key]
    if (key === '' || (value !== null && typeof value === 'object')) return undefined
    const refused = keyError(key, step.soul, limits) ?? valueError(value, `${step.soul}.${key}`, limits)
    if (refused !== undefined) throw refused
    values[i] = value as Value
    states[i] = state
  }
  return [new GraphNode(step.soul, keys, values, states)]
}

/**
 * `gun.get(soul).get(key).put(value)` for a value that is not an object: one key on a known soul, no
 * link to look up. Anything else, or anything invalid, is left to `buildPut` (its errors name the path).
 */
function valueOnSoulKey(chain: WriteChain, key: string, data: unknown): GraphNode[] | undefined {
  const parent = chain.parent
  if (parent === undefined || parent.step.kind !== 'soul' || (data !== null && typeof data === 'object') || data === undefined) return undefined
  const soul = parent.step.soul
  const limits = chain.root.limits
  if (soulError(soul, limits) !== undefined || keyError(key, soul, limits) !== undefined || valueError(data, soul, limits) !== undefined) return undefined
  return [new GraphNode(soul, [key], [data as Value], [chain.root.engine.clock.next()])]
}

/**
 * Turn one `put(data)` into graph diffs, or throw a TrellisError naming the path. Nothing is written on error.
 * `state` is taken when the put is issued: a build may run later (after the writes before it are built),
 * and a later put must not lose to an earlier one built after it.
 */
export async function buildPut(chain: WriteChain, data: unknown, isChain: (value: unknown) => value is WriteChain, state: number): Promise<GraphNode[]> {
  const root = chain.root
  const ctx = context(root, state, isChain)
  const step = chain.step
  const path = describePath(chain)
  // A LEX chain reads a selection of keys: there is no one place to write to.
  if (step.kind === 'lex') throw new TrellisError('INVALID_DATA', `Cannot write through ${throughWhat(step.kind)} at ${path}`, path)
  if (step.kind === 'root' || step.kind === 'soul') {
    // A link (`{'#': soul}`) is not a node, even though it is a plain object: stock Gun refuses it here too.
    if (!isPlainObject(data) || isLink(data)) {
      if (isChain(data) || isLink(data) || isValue(data) || data === undefined) {
        throw new TrellisError('ROOT_NOT_NODE', 'Data at root of graph must be a node (an object).', path)
      }
      throw invalidData(data, path || 'root')
    }
    const soul = ownSoul(data) ?? (step.kind === 'soul' ? step.soul : randomSoul(ctx.state))
    await ifyObject(ctx, soul, data, step.kind === 'soul' ? path : soul)
  } else if (step.kind === 'key') {
    const parentSoul = await writeTarget(chain.parent as WriteChain, ctx)
    const keyRefused = keyError(step.key, parentSoul, ctx.limits)
    if (keyRefused !== undefined) throw keyRefused
    if (data !== null && typeof data === 'object') {
      const link = await linkFor(ctx, parentSoul, step.key, data, path)
      diffFor(ctx, parentSoul).set(step.key, link, ctx.state)
    } else {
      const refused = valueError(data, path, ctx.limits)
      if (refused !== undefined) throw refused
      diffFor(ctx, parentSoul).set(step.key, data as Value, ctx.state)
    }
  } else {
    if (!isPlainObject(data)) throw new TrellisError('INVALID_DATA', `put() after map() needs an object at ${path}`, path)
    for (const item of await resolve(root, chain)) {
      if (item.soul !== undefined) await ifyObject(ctx, item.soul, data, `${path}.${item.key}`)
    }
  }
  return [...ctx.nodes.values()]
}

function throughWhat(kind: string): string {
  return kind === 'map' ? 'map()' : kind === 'lex' ? "a LEX query (get({'.': …}))" : 'the root'
}
