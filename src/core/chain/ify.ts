import { invalidData, TrellisError } from '../errors.js'
import { GraphNode } from '../node.js'
import { getOwn, isLink, type Link } from '../types.js'
import { clipPath, isPlainData, keyError, metadataError, ownSoulError, soulError, valueError, type ValidationLimits } from '../validate.js'

/** Turns app data into graph diffs. Implemented by the chain, which knows how to resolve links. */
export interface IfyContext {
  state: number
  /** The size rules (core/validate.ts): the same ones the wire and REST apply. */
  limits: ValidationLimits
  /** Every node this put writes, by soul (one diff per soul). */
  nodes: Map<string, GraphNode>
  /** Objects already turned into nodes: a circular reference becomes a link to its soul. */
  seen: Map<object, string>
  /** The soul of the link already stored at soul.key, if any (so an existing link is reused). */
  existingLink(soul: string, key: string): Promise<string | undefined>
  /** The soul a chain reference stands for (`put(chain)` links to it). Undefined when `value` is not a chain. */
  chainSoul(value: object): Promise<string | undefined> | undefined
}

/** The diff for `soul`, created on first use, when the soul is one a put may write. */
export function diffFor(ctx: IfyContext, soul: string): GraphNode {
  let node = ctx.nodes.get(soul)
  if (node === undefined) {
    const error = soulError(soul, ctx.limits)
    if (error !== undefined) throw error
    ctx.nodes.set(soul, (node = new GraphNode(soul)))
  }
  return node
}

/** The soul an object names for itself with `_: { '#': soul }`, as Gun allows. */
export function ownSoul(data: object): string | undefined {
  const meta = getOwn(data, '_')
  if (meta === null || typeof meta !== 'object') return undefined
  const soul = getOwn(meta, '#')
  return typeof soul === 'string' && soul !== '' ? soul : undefined
}

export const isPlainObject = isPlainData

/**
 * Write `data`'s keys into node `soul`: primitives as values, nested plain
 * objects as linked nodes (soul: their own `_['#']`, else the link already
 * stored at that key, else the path soul `soul/key`), chains and links as
 * links. Anything else is refused with Gun's wording and the path.
 */
export async function ifyObject(ctx: IfyContext, soul: string, data: object, path: string): Promise<void> {
  // `_` is node metadata, read first: an object whose `#` may name this node's soul (checked like any soul).
  if (Object.hasOwn(data, '_')) {
    const meta = (data as Record<string, unknown>)._
    const error = metadataError(meta, path) ?? ownSoulError(meta as object, path, ctx.limits)
    if (error !== undefined) throw error
  }
  ctx.seen.set(data, soul)
  const node = diffFor(ctx, soul)
  const nested: [key: string, value: object][] = []
  for (const key of Object.keys(data)) {
    if (key === '_') continue
    const keyRefused = keyError(key, path, ctx.limits)
    if (keyRefused !== undefined) throw keyRefused
    const value = (data as Record<string, unknown>)[key]
    if (value !== null && typeof value === 'object') {
      nested.push([key, value])
      continue
    }
    const refused = valueError(value, `${path}.${key}`, ctx.limits)
    if (refused !== undefined) throw refused
    node.set(key, value as string | number | boolean | null, ctx.state)
  }
  for (const [key, value] of nested) {
    const at = `${path}.${key}`
    node.set(key, await linkFor(ctx, soul, key, value, at), ctx.state)
  }
}

/** The link to write at soul.key for an object value, writing the object's node when it is plain data. */
export async function linkFor(ctx: IfyContext, soul: string, key: string, value: object, path: string): Promise<Link> {
  if (isLink(value)) {
    const error = soulError(value['#'], ctx.limits, path)
    if (error !== undefined) throw error
    return { '#': value['#'] }
  }
  const seen = ctx.seen.get(value)
  if (seen !== undefined) return { '#': seen }
  const chained = ctx.chainSoul(value)
  if (chained !== undefined) {
    const target = await chained
    if (target === undefined) throw new TrellisError('INVALID_DATA', `Invalid data: chain without a soul at ${path}`, path)
    const error = soulError(target, ctx.limits, path)
    if (error !== undefined) throw error
    return { '#': target }
  }
  if (!isPlainObject(value)) throw invalidData(value, clipPath(path))
  const child = ownSoul(value) ?? (await ctx.existingLink(soul, key)) ?? `${soul}/${key}`
  await ifyObject(ctx, child, value, path)
  return { '#': child }
}
