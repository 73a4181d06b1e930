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

export const OPEN = 1

/** Gun peers are written as `http(s)://host/gun`; the socket wants `ws(s)://`. */
export function socketUrl(url: string): string {
  return url.replace(/^http/, 'ws')
}
