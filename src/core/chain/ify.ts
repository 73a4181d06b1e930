import { invalidData, TrellisError } from '../errors.js'
import { GraphNode } from '../node.js'
import { getOwn, isLink, type Link } from '../types.js'

/** Turns app data into graph diffs. Implemented by the chain, which knows how to resolve links. */
export interface IfyContext {
  state: number
  /** Every node this put writes, by soul (one diff per soul). */
  nodes: Map<string, GraphNode>
  /** Objects already turned into nodes: a circular reference becomes a link to its soul. */
  seen: Map<object, string>
  /** The soul of the link already stored at soul.key, if any (so an existing link is reused). */
  existingLink(soul: string, key: string): Promise<string | undefined>
  /** The soul a chain reference stands for (`put(chain)` links to it). Undefined when `value` is not a chain. */
  chainSoul(value: object): Promise<string | undefined> | undefined
}

export function diffFor(ctx: IfyContext, soul: string): GraphNode {
  let node = ctx.nodes.get(soul)
  if (node === undefined) ctx.nodes.set(soul, (node = new GraphNode(soul)))
  return node
}

/** The soul an object names for itself with `_: { '#': soul }`, as Gun allows. */
export function ownSoul(data: object): string | undefined {
  const meta = getOwn(data, '_')
  if (meta === null || typeof meta !== 'object') return undefined
  const soul = getOwn(meta, '#')
  return typeof soul === 'string' && soul !== '' ? soul : undefined
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Write `data`'s keys into node `soul`: primitives as values, nested plain
 * objects as linked nodes (soul: their own `_['#']`, else the link already
 * stored at that key, else the path soul `soul/key`), chains and links as
 * links. Anything else is refused with Gun's wording and the path.
 */
export async function ifyObject(ctx: IfyContext, soul: string, data: object, path: string): Promise<void> {
  ctx.seen.set(data, soul)
  const node = diffFor(ctx, soul)
  const nested: [key: string, value: object][] = []
  for (const key of Object.keys(data)) {
    if (key === '_') continue
    const at = `${path}.${key}`
    if (key === '') throw new TrellisError('INVALID_KEY', `Invalid key: empty key at ${path}`, path)
    const value = (data as Record<string, unknown>)[key]
    switch (typeof value) {
      case 'string':
      case 'boolean':
        node.set(key, value, ctx.state)
        continue
      case 'number':
        if (!Number.isFinite(value)) throw invalidData(value, at)
        node.set(key, value, ctx.state)
        continue
      case 'object':
        if (value === null) {
          node.set(key, null, ctx.state)
          continue
        }
        nested.push([key, value])
        continue
      default:
        throw invalidData(value, at)
    }
  }
  for (const [key, value] of nested) {
    const at = `${path}.${key}`
    node.set(key, await linkFor(ctx, soul, key, value, at), ctx.state)
  }
}

/** The link to write at soul.key for an object value, writing the object's node when it is plain data. */
export async function linkFor(ctx: IfyContext, soul: string, key: string, value: object, path: string): Promise<Link> {
  if (isLink(value)) return { '#': value['#'] }
  const seen = ctx.seen.get(value)
  if (seen !== undefined) return { '#': seen }
  const chained = ctx.chainSoul(value)
  if (chained !== undefined) {
    const target = await chained
    if (target === undefined) throw new TrellisError('INVALID_DATA', `Invalid data: chain without a soul at ${path}`, path)
    return { '#': target }
  }
  if (!isPlainObject(value)) throw invalidData(value, path)
  const child = ownSoul(value) ?? (await ctx.existingLink(soul, key)) ?? `${soul}/${key}`
  await ifyObject(ctx, child, value, path)
  return { '#': child }
}
