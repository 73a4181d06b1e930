/**
 * The part of the W3C WebSocket API the client uses. Both the browser's
 * native WebSocket and the `ws` package's WebSocket (Node) provide it, so
 * one client serves both runtimes; the runtime entry picks the constructor.
 */
export interface WebSocketLike {
  readonly readyState: number
  readonly bufferedAmount: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** The `ws` package's own event API (Node): frames as Buffers, without a MessageEvent per frame. */
interface NodeWebSocket {
  on(event: 'message', listener: (data: { toString(): string }, isBinary: boolean) => void): void
}

/**
 * Call `hear` with every text frame the socket receives. With `ws` in Node
 * this listens on its own API: its `onmessage` builds an event object for
 * every frame, a cost a subscriber pays on each push.
 */
export function onText(socket: WebSocketLike, hear: (text: string) => void): void {
  const node = socket as unknown as Partial<NodeWebSocket>
  if (typeof node.on === 'function') {
    node.on('message', (data, isBinary) => {
      if (!isBinary) hear(data.toString())
    })
    return
  }
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') hear(event.data)
  }
}

export const OPEN = 1

/** Gun peers are written as `http(s)://host/gun`; the socket wants `ws(s)://`. */
export function socketUrl(url: string): string {
  return url.replace(/^http/, 'ws')
}
