import type { Mesh, PeerHandle } from '../mesh/mesh.js'
import { createBackoff, type Backoff, type BackoffOptions } from './backoff.js'
import { OPEN, socketUrl, type WebSocketConstructor, type WebSocketLike } from './websocket-like.js'

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
}

export interface Dialer {
  readonly url: string
  readonly connected: boolean
  /** Connections opened so far (1 + reconnects). */
  readonly opened: number
  close(): void
}

/**
 * Keep one outgoing connection to `url` alive for the mesh: reconnect with
 * exponential backoff and jitter, heartbeats, dead-peer detection; follows a
 * relay's `mob` hint; gives up on a connection to itself. On every (re)connect
 * the mesh re-sends subscriptions and unacknowledged writes.
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
  let opened = 0
  mesh.expectPeers(true)

  const scheduleReconnect = () => {
    if (stopped || retry !== undefined) return
    retry = setTimeout(() => {
      retry = undefined
      open()
    }, backoff.next())
  }

  const teardown = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat)
    heartbeat = undefined
    if (handle !== undefined) handle.closed()
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
      const link = {
        send: (text: string) => {
          if (ws.readyState === OPEN) ws.send(text)
        },
        close: (code?: number, reason?: string) => ws.close(code, reason),
        bufferedAmount: () => ws.bufferedAmount,
      }
      handle = mesh.connect(
        link,
        { outgoing: true, url: target, relay: options.relay },
        {
          onSelf: () => {
            stopped = true
          },
          onMob: (urls) => {
            const others = urls.filter((u) => u !== target)
            if (others.length > 0) target = others[Math.floor(Math.random() * others.length)]
          },
        },
      )
      const peer = handle.peer
      heartbeat = setInterval(() => {
        if (Date.now() - peer.heardAt > deadAfterMs) {
          ws.close(4000, 'no heartbeat')
          onGone()
          return
        }
        if (ws.readyState === OPEN) ws.send('[]')
      }, Math.min(heartbeatMs, deadAfterMs / 2))
      ;(heartbeat as { unref?: () => void }).unref?.()
    }
    ws.onmessage = (event) => {
      if (socket !== ws || handle === undefined) return
      const data = event.data
      if (typeof data === 'string') handle.hear(data)
    }
    const onGone = () => {
      if (socket !== ws) return
      socket = undefined
      teardown()
      mesh.dialFailed()
      scheduleReconnect()
    }
    ws.onclose = onGone
    ws.onerror = () => {
      try {
        ws.close()
      } catch {
        // reason: a socket that failed to open may refuse close(); onGone below still runs.
      }
      onGone()
    }
  }

  open()

  return {
    url,
    get connected() {
      return handle !== undefined && !handle.peer.closed
    },
    get opened() {
      return opened
    },
    close() {
      stopped = true
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
