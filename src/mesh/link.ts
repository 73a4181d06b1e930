/**
 * What the mesh needs from a connection: send a text frame, close it, and
 * say how much is still queued. WebSockets (node and browser) and the
 * simulated network in `trellis/testing` both provide this.
 */
export interface Link {
  send(text: string): void
  close(code?: number, reason?: string): void
  /** Bytes (or characters) accepted by `send` but not yet written out. */
  bufferedAmount(): number
}

/** Close codes the mesh uses (4000–4999 is the application range). */
export const CLOSE_SLOW_CONSUMER = 4001
export const CLOSE_SELF = 4002
export const CLOSE_MOB = 4003
export const CLOSE_DUPLICATE = 4004
