import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Chain, Data } from '../../core/chain/chain.js'
import { GraphNode } from '../../core/node.js'
import { isLink, setOwn } from '../../core/types.js'
import { soulOwner } from '../../core/user-space.js'
import { valueError } from '../../core/validate.js'
import type { TrellisNode } from './node.js'
import { validateBody, type BodyLimits } from './body.js'
import { chainAt, parseDataPath, type DataPath, type PathLimits } from './data-path.js'
import { ackError, ApiError } from './errors.js'
import { isDeleted, isQueryFlag, present } from './present.js'

export interface DataRouteOptions {
  node: TrellisNode
  body: BodyLimits
  path: PathLimits
}

const MARKER = '/data/'
const SIGNED_KEYS = new Set([':', '~', '>', '+', '*'])

/**
 * `GET / PUT / PATCH / DELETE /data/*path`: path segments address
 * `get(…).get(…)`. PUT makes the place equal the body (keys it lacks are
 * tombstoned), PATCH merges, DELETE tombstones. Every write answers after it
 * is durable; every answer is `{ data, path }`.
 */
export function registerDataRoutes(app: FastifyInstance, options: DataRouteOptions): void {
  const { node, body: bodyLimits, path: pathLimits } = options
  const target = (request: FastifyRequest): DataPath => parseDataPath(request.raw.url ?? '', MARKER, pathLimits)
  const wantsMeta = (request: FastifyRequest) => isQueryFlag((request.query as Record<string, unknown> | undefined)?.meta)

  const readFound = async (chain: Chain, path: DataPath): Promise<Data> => {
    const { data } = await chain.read()
    if (data === undefined || isDeleted(data)) throw new ApiError(404, 'NOT_FOUND', `Nothing at ${path.text}`, path.text)
    return data
  }

  const write = (chain: Chain, data: unknown, path: DataPath) =>
    new Promise<void>((resolve, reject) => {
      chain.put(data, (ack) => (ack.err === undefined ? resolve() : reject(ackError(ack.err, ack.code, path.text))))
    })

  /** Nodes built here (tombstones, a signed value), through the same write pipeline as a chain put. */
  const writeNodes = (nodes: GraphNode[], path: DataPath) =>
    new Promise<void>((resolve, reject) =>
      node.db.root.write(nodes, (ack) => (ack.err === undefined ? resolve() : reject(ackError(ack.err, ack.code, path.text)))),
    )

  const bodyOf = (request: FastifyRequest, path: DataPath): unknown => {
    const value = request.body
    if (value === undefined) throw new ApiError(400, 'INVALID_JSON', 'A JSON body is required', path.text)
    validateBody(value, path.segments, bodyLimits, pathLimits.validation)
    return value
  }

  const isSignedBody = (value: unknown): value is Record<string, unknown> =>
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as Record<string, unknown>)['~'] === 'string' &&
    Object.hasOwn(value, ':') &&
    Object.keys(value).every((k) => SIGNED_KEYS.has(k))

  const isNodeBody = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && !isLink(value)

  app.get(`${MARKER}*`, async (request) => {
    const path = target(request)
    const data = await readFound(chainAt(node.db, path.segments), path)
    return { data: present(data, wantsMeta(request)), path: path.text }
  })

  /**
   * A signed write into user space: `PUT /data/<soul>/<key>` with the value as a SEA user writes it
   * over the wire, plus its state: `{":": value, "~": signature, ">": state}` (and `"+"`, `"*"` for
   * a certified writer). SEA's rules check it like any put; an unsigned write into user space is
   * refused (403 `Unverified data.`), as it is on the wire.
   */
  const signedWrite = async (path: DataPath, value: Record<string, unknown>) => {
    const [soul, key] = path.segments
    const state = value['>']
    if (typeof state !== 'number' || !Number.isFinite(state)) throw new ApiError(400, 'INVALID_STATE', 'A signed write needs its state (">")', path.text)
    const envelope: Record<string, unknown> = { ':': value[':'], '~': value['~'] }
    if (value['+'] !== undefined) envelope['+'] = value['+']
    if (value['*'] !== undefined) envelope['*'] = value['*']
    const text = JSON.stringify(envelope)
    const refused = valueError(text, path.text, pathLimits.validation)
    if (refused !== undefined) throw refused
    await writeNodes([new GraphNode(soul, [key], [text], [state])], path)
    const after = await chainAt(node.db, path.segments).read()
    return { data: present(after.data ?? null, false), path: path.text }
  }

  app.put(`${MARKER}*`, async (request) => {
    const path = target(request)
    const raw = request.body
    if (path.segments.length === 2 && soulOwner(path.segments[0]) !== undefined && isSignedBody(raw)) return signedWrite(path, raw)
    const value = bodyOf(request, path)
    if (path.segments.length === 1 && !isNodeBody(value)) {
      throw new ApiError(400, 'ROOT_NOT_NODE', 'Data at root of graph must be a node (an object).', path.text)
    }
    const chain = chainAt(node.db, path.segments)
    let data: unknown = value
    if (isNodeBody(value)) {
      // Replace: keys held now but absent from the body are tombstoned.
      const { data: current } = await chain.read()
      if (current !== null && typeof current === 'object') {
        const merged: Record<string, unknown> = {}
        for (const key of Object.keys(current)) if (key !== '_' && !Object.hasOwn(value, key)) setOwn(merged, key, null)
        for (const key of Object.keys(value)) setOwn(merged, key, value[key])
        data = merged
      }
    }
    await write(chain, data, path)
    const after = await chain.read()
    return { data: present(after.data ?? null, wantsMeta(request)), path: path.text }
  })

  app.patch(`${MARKER}*`, async (request) => {
    const path = target(request)
    const value = bodyOf(request, path)
    if (!isNodeBody(value))
      throw new ApiError(400, 'INVALID_DATA', `PATCH merges a JSON object into the node at ${path.text}; use PUT to write a value`, path.text)
    const chain = chainAt(node.db, path.segments)
    await write(chain, value, path)
    const after = await chain.read()
    return { data: present(after.data ?? null, wantsMeta(request)), path: path.text }
  })

  /** Tombstones for every key of a node as read (with its `_`), in one GraphNode; undefined for a value. */
  const emptied = (data: Data): GraphNode | undefined => {
    if (data === null || typeof data !== 'object') return undefined
    const soul = (data as { _?: { '#'?: unknown } })._?.['#']
    if (typeof soul !== 'string') return undefined
    const keys = Object.keys(data).filter((key) => key !== '_')
    const state = node.db.root.engine.clock.next()
    return new GraphNode(
      soul,
      keys,
      keys.map(() => null),
      keys.map(() => state),
    )
  }

  /**
   * DELETE tombstones the place: a value's key, or a node's every key. A node reached through a key
   * (`users/ann`) loses its keys and its link in one write, so it reads as gone by path and by soul
   * alike (before, only the link went and the node stayed readable by its soul).
   */
  app.delete(`${MARKER}*`, async (request) => {
    const path = target(request)
    const chain = chainAt(node.db, path.segments)
    const current = await readFound(chain, path)
    const nodes: GraphNode[] = []
    const gone = emptied(current)
    if (gone !== undefined) nodes.push(gone)
    if (path.segments.length > 1) {
      const { data: parent } = await chainAt(node.db, path.segments.slice(0, -1)).read()
      const parentSoul = parent !== null && typeof parent === 'object' ? (parent as { _?: { '#'?: unknown } })._?.['#'] : undefined
      if (typeof parentSoul !== 'string') throw new ApiError(404, 'NOT_FOUND', `Nothing at ${path.text}`, path.text)
      nodes.push(new GraphNode(parentSoul, [path.segments[path.segments.length - 1]], [null], [node.db.root.engine.clock.next()]))
    }
    await writeNodes(nodes, path)
    return { data: null, path: path.text }
  })
}
