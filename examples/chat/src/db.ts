import { createDb } from 'trellis'
import { relayUrl } from '../../relay-url'

/** A message, keyed by its time (base 36, fixed width) and a random tail: key order is time order. */
export interface Message {
  text: string
  alias: string
  pub: string
  at: number
}

/** Presence: one key per user (their pub), rewritten every HEARTBEAT_MS while the app is open. */
interface Presence {
  alias: string
  at: number
}

interface Room {
  messages: Record<string, Message>
  online: Record<string, Presence>
}

export interface Schema {
  rooms: Record<string, Room>
}

export const db = createDb<Schema>({ peers: [relayUrl()], indexedDb: 'trellis-chat' })

/** A message key that sorts by time: 9 base-36 digits of milliseconds cover the year 5188. */
export function messageKey(at: number): string {
  return `${at.toString(36).padStart(9, '0')}-${Math.random().toString(36).slice(2, 8)}`
}
