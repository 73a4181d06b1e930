import type { Mesh, PeerEvents, PeerHandle } from '../mesh/mesh.js'
import { createBackoff, type Backoff, type BackoffOptions } from './backoff.js'
import { OPEN, onText, socketUrl, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js'

export interface DialOptions {
  WebSocket: WebSocketConstructor
  /** Treat the far end as a relay peer (relays dialling relays). */
  relay?: boolean
  backoff?: BackoffOptions
  /** Send a `"[]"` heartbeat this often (Gun relays send theirs every 20 s). */
  heartbeatMs?: number
  /** Nothing heard for this long: the connection is dead, drop it and reconnect. */
  deadAfterMs?: number
  log?: (line: string) => void
  /**
   * A signal that the network may be back (browsers: the `online` event, see browser-online.ts): a redial
   * waiting out its backoff happens at once, with the backoff reset. Subscribes; returns the unsubscribe.
   */
  wake?: (listener: () => void) => () => void
}

/** One outgoing relay connection kept alive (see `dial`): its state, and `close()` to stop dialling. */
export interface Dialer {
  /** The relay dialled. */
  readonly url: string
  /** A link to that relay is up: ours, or, while we stand by, the one it dialled to us. */
  readonly connected: boolean
  /** Our link was dropped as a duplicate of the one the other relay dialled to us; we dial again when that one goes. */
  readonly standingBy: boolean
  /** Connections opened so far (1 + reconnects). */
  readonly opened: number
  /** A reconnect is scheduled or a connection is opening: false means nothing will dial until a link goes. */
  readonly dialling: boolean
  /** Stop: close the connection and dial no more. */
  close(): void
}

/**
 * Keep one outgoing connection to `url` alive for the mesh: reconnect with
 * exponential backoff and jitter, heartbeats, dead-peer detection; follows a
 * relay's `mob` hint; gives up on a connection to itself; never gives up otherwise (and, given `wake`, redials
 * at once when the browser is back online); stands by while the
 * mesh says another link to the same relay does the work. On every
 * (re)connect the mesh re-sends subscriptions and unacknowledged writes.
 */
export function dial(mesh: Mesh, url: string, options: DialOptions): Dialer {
  const heartbeatMs = options.heartbeatMs ?? 20_000
  const deadAfterMs = options.deadAfterMs ?? 3 * heartbeatMs
  const backoff: Backoff = createBackoff(options.backoff)
  let target = url
  let socket: WebSocketLike | undefined
  let handle: PeerHandle | undefined
  let retry: ReturnType<typeof setTimeout> | undefined
  let heartbeat: ReturnType<typeof setInterval> | undefined
  let stopped = false
  let standingBy = false
  let opened = 0
  mesh.expectPeers(true)

  const scheduleReconnect = () => {
    if (stopped || retry !== undefined) return
    retry = setTimeout(() => {
      retry = undefined
      open()
    }, backoff.next())
  }

  // One object for every connection of this dialler: the mesh keeps it to end a standby later.
  const events: PeerEvents = {
    onSelf: () => {
      stopped = true
    },
    onMob: (urls) => {
      const others = urls.filter((u) => u !== target)
      if (others.length > 0) target = others[Math.floor(Math.random() * others.length)]
    },
    onStandby: () => {
      standingBy = true
      if (retry !== undefined) clearTimeout(retry)
      retry = undefined
    },
    onResume: () => {
      if (!standingBy) return
      standingBy = false
      // A dial may be under way already (standby came while it was opening); one socket at a time.
      if (socket === undefined) scheduleReconnect()
    },
  }

  const teardown = (code?: number) => {
    if (heartbeat !== undefined) clearInterval(heartbeat)
    heartbeat = undefined
    if (handle !== undefined) handle.closed(code)
    handle = undefined
  }

  const open = () => {
    if (stopped) return
    let ws: WebSocketLike
    try {
      ws = new options.WebSocket(socketUrl(target))
    } catch (error) {
      options.log?.(`cannot open ${target}: ${error instanceof Error ? error.message : String(error)}`)
      mesh.dialFailed()
      scheduleReconnect()
      return
    }
    socket = ws
    ws.onopen = () => {
      if (socket !== ws) return
      opened++
      backoff.reset()
      // Our own link again: if it is a duplicate, the other relay closes it and we stand by anew.
      standingBy = false
      const link = {
        send: (text: string) => {
          if (ws.readyState === OPEN) ws.send(text)
        },
        close: (code?: number, reason?: string) => ws.close(code, reason),
        bufferedAmount: () => ws.bufferedAmount,
      }
      handle = mesh.connect(link, { outgoing: true, url: target, relay: options.relay }, events)
      const peer = handle.peer
      heartbeat = setInterval(
        () => {
          if (Date.now() - peer.heardAt > deadAfterMs) {
            ws.close(4000, 'no heartbeat')
            onGone()
            return
          }
          if (ws.readyState === OPEN) ws.send('[]')
        },
        Math.min(heartbeatMs, deadAfterMs / 2),
      )
      ;(heartbeat as { unref?: () => void }).unref?.()
    }
    onText(ws, (text) => {
      if (socket === ws && handle !== undefined) handle.hear(text)
    })
    const onGone = (code?: number) => {
      if (socket !== ws) return
      socket = undefined
      // The mesh hears why the link went; it may put us on standby (onStandby) right here.
      teardown(code)
      if (standingBy) return
      mesh.dialFailed()
      scheduleReconnect()
    }
    ws.onclose = (event) => onGone(closeCodeOf(event))
    ws.onerror = () => {
      try {
        ws.close()
      } catch {
        // reason: a socket that failed to open may refuse close(); onGone below still runs.
      }
      onGone()
    }
  }

  const unwake = options.wake?.(() => {
    if (stopped || standingBy) return
    // A dial made while the network was down may hang or fail only later, then wait out a backoff: start afresh.
    const pending = handle === undefined ? socket : undefined
    if (retry === undefined && pending === undefined) return
    if (retry !== undefined) clearTimeout(retry)
    retry = undefined
    if (pending !== undefined) {
      socket = undefined
      try {
        pending.close()
      } catch {
        // reason: a socket still connecting may refuse close(); it is forgotten either way (its events see socket !== ws).
      }
    }
    backoff.reset()
    open()
  })

  open()

  return {
    url,
    get connected() {
      return (handle !== undefined && !handle.peer.closed) || (standingBy && !stopped)
    },
    get standingBy() {
      return standingBy && !stopped
    },
    get opened() {
      return opened
    },
    get dialling() {
      return !stopped && (retry !== undefined || (socket !== undefined && handle === undefined))
    },
    close() {
      stopped = true
      unwake?.()
      if (retry !== undefined) clearTimeout(retry)
      retry = undefined
      const ws = socket
      socket = undefined
      teardown()
      try {
        ws?.close(1000, 'closing')
      } catch {
        // reason: closing a socket that never opened may throw.
      }
    },
  }
}

/** The close code of a close event (both `ws` and browser events carry `code`). */
function closeCodeOf(event: unknown): number | undefined {
  if (typeof event !== 'object' || event === null) return undefined
  const code = (event as { code?: unknown }).code
  return typeof code === 'number' ? code : undefined
}
