import type { Root } from '../core/chain/root.js'
import { toWireGraph } from '../core/wire.js'
import { createClientMesh } from '../mesh/client-mesh.js'
import { randomId } from '../mesh/ids.js'
import type { Mesh, Plug } from '../mesh/mesh-types.js'
import type { WireMessage } from '../mesh/message.js'
import type { Peer } from '../mesh/peer.js'
import { createEvents, type EventChains, type Events } from './event-chain.js'

/** How long a read waits for replies through plugins when nobody else is asked: stock's `opt.wait`. */
const DEFAULT_WAIT_MS = 99

/**
 * What a Gun.on('opt') handler receives for each new instance, as stock's root context:
 * `opt` (the options the app passed), `$` (the instance's root chain), and `on`, the
 * instance's event chains. Trellis runs two of them:
 * - `out`: every message this instance sends through its plugins: its reads (`{'#', get}`)
 *   and writes (`{'#', put}`), with or without peers, and its answers to messages that came
 *   in through plugins (replies and acks with `@`). Each handler gets its own copy; what a
 *   transport carries elsewhere, it hands over there with `ctx.on('in', msg)`.
 * - `in`: every message this instance hears: from its WebSocket peers (`dam` control
 *   messages apart) and from `ctx.on('in', msg)` / `gun.on('in', msg)`. A handler passes a
 *   message on with `this.to.next(msg)`, or drops it by not calling it. What leaves the last
 *   handler is checked exactly as a frame from a socket (serialised, size- and shape-checked,
 *   deduplicated, its graph validated) before anything of it is used.
 * - `put` and `get`, stock's storage events, for adapters written against them: every write
 *   that goes out through plugins is also a `put` (`{'#', put}`), every read a `get`; and every
 *   change heard from a peer (a socket, or a transport plugin's `in`) is a `put` too, so an adapter
 *   stores what the instance learns, as stock's do. An adapter answers with `ctx.on('in', …)`:
 *   `{'@': id, put: graph}` to a `get`, merged as a reply; `{'@': id, ok: 1}` to a `put`.
 * Other tags are the plugins' own: `on(tag, handler)` and `on(tag, value)` work, Trellis
 * never runs them.
 */
export interface PluginContext {
  /** The options the app passed to the constructor. */
  readonly opt: Record<string, unknown>
  /** The instance's root chain. */
  readonly $: unknown
  /** Stock's `root`: the context itself. */
  readonly root: PluginContext
  /** Register a handler (returns it; `.off()` unregisters), or run a tag's chain with a value. */
  readonly on: EventChains
}

export interface WireContextParts {
  root: Root
  /** The root chain (ctx.$). */
  chain: unknown
  opt: Record<string, unknown>
  /** The instance's mesh when it has one (it dialled peers); else one is made for the plugins. */
  mesh: Mesh | undefined
  /** Where a plugin handler's exception is reported (it never reaches the code that sent the message). */
  warn?: (line: string) => void
}

/** An instance's plugin context and the link behind it. */
export interface WireContext {
  readonly ctx: PluginContext
  /** The mesh the plugins' link is attached to (a transport dialled later shares it). */
  readonly mesh: Mesh
  /** Detach: the plugins' link and `in` handlers leave the mesh; a mesh made for them closes. */
  close(): void
}

/** Stock's own fields on a message: the chain it is about (`$`) and its private state (`_`), never on the wire. */
const PRIVATE_FIELDS = new Set(['$', '_'])

/** A message as a plugin passed it, as frame text: functions and stock's private fields left out; undefined when it cannot be (cycles, BigInt, a throwing getter). */
function frameText(msg: object, warn: (line: string) => void): string | undefined {
  let top: unknown
  try {
    return JSON.stringify(msg, function (this: unknown, key: string, value: unknown) {
      if (key === '' && top === undefined) top = value
      else if (this === top && PRIVATE_FIELDS.has(key)) return undefined
      return value
    })
  } catch (error) {
    warn(`Gun.on('opt'): a message from an \`in\` handler was dropped: it cannot be serialised (${error instanceof Error ? error.message : String(error)})`)
    return undefined
  }
}

const defaultWarn = (line: string) => console.warn(line)

/** The tags whose handlers hear what this instance sends: all of it (`out`), or its writes and reads (stock's storage events). */
const OUTGOING_TAGS = ['out', 'put', 'get'] as const

/** Whether `msg` is a request of kind `tag`: writes and reads this instance makes, not its answers to others (`@`). */
function isRequest(msg: unknown, tag: (typeof OUTGOING_TAGS)[number]): boolean {
  if (tag === 'out') return true
  return msg !== null && typeof msg === 'object' && (msg as Record<string, unknown>)[tag] !== undefined && (msg as Record<string, unknown>)['@'] === undefined
}

/** The plugin context of one instance: its `in`/`out` chains, wired to its mesh through the plugins' link. */
export function createWireContext(parts: WireContextParts): WireContext {
  const { root } = parts
  const warn = parts.warn ?? defaultWarn
  const owned = parts.mesh === undefined
  const mesh = parts.mesh ?? createClientMesh({ engine: root.engine })
  if (owned) root.setNetwork(mesh.network)
  // The peer a socket message came from, while it travels the `in` chain; a message a plugin made is the plugins' link's.
  const origin = new WeakMap<object, Peer>()

  const inbound = (msg: WireMessage, peer: Peer) => {
    origin.set(msg, peer)
    try {
      events.on('in', msg)
    } catch (error) {
      warn(`Gun.on('opt'): an \`in\` handler threw; the message from ${peer.name} was dropped: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  const emit = (tag: string, msg: unknown) => {
    try {
      events.on(tag, msg)
    } catch (error) {
      warn(`Gun.on('opt'): a \`${tag}\` handler threw: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  // Changes heard from peers reach storage adapters as `put`s; registered only while `put` has handlers.
  let stopPeerChanges: (() => void) | undefined
  const storePeerChanges = (on: boolean) => {
    if (on && stopPeerChanges === undefined) {
      stopPeerChanges = root.engine.onChange((changed, origin) => {
        if (origin.kind === 'peer' && changed.length > 0) emit('put', { '#': randomId(), put: toWireGraph(changed) })
      })
    } else if (!on && stopPeerChanges !== undefined) {
      stopPeerChanges()
      stopPeerChanges = undefined
    }
  }

  const events: Events = createEvents((tag) => {
    // Socket input takes the detour through the `in` chain only while it has handlers: none, no cost.
    if (tag === 'in') mesh.setInbound(events.has('in') ? inbound : undefined)
    if (tag === 'put') storePeerChanges(events.has('put'))
  })

  const plug: Plug = mesh.plug(
    {
      send(frame) {
        for (const tag of OUTGOING_TAGS) {
          if (!events.has(tag)) continue
          // Parsed per tag: each chain gets messages of its own to change as it likes.
          let parsed: unknown
          try {
            parsed = JSON.parse(frame)
          } catch {
            return
          }
          for (const msg of Array.isArray(parsed) ? parsed : [parsed]) if (isRequest(msg, tag)) emit(tag, msg)
        }
      },
      close() {},
      bufferedAmount: () => 0,
    },
    {
      listens: () => OUTGOING_TAGS.some((tag) => events.has(tag)),
      readWaitMs: typeof parts.opt.wait === 'number' && parts.opt.wait >= 0 ? parts.opt.wait : DEFAULT_WAIT_MS,
    },
  )

  events.setEnd('in', (msg) => {
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return
    const text = frameText(msg, warn)
    if (text !== undefined) mesh.admit(text, origin.get(msg) ?? plug.peer)
  })

  const ctx = { opt: parts.opt, $: parts.chain, on: events.on } as { opt: Record<string, unknown>; $: unknown; on: EventChains; root: PluginContext }
  ctx.root = ctx

  return {
    ctx,
    mesh,
    close() {
      mesh.setInbound(undefined)
      storePeerChanges(false)
      plug.unplug()
      if (owned) {
        mesh.close()
        root.setNetwork(undefined)
      }
    },
  }
}
