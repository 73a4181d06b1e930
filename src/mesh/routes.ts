import type { OutboxEntry } from './outbox.js'
import type { Peer } from './peer.js'

/**
 * What a reply (`@`) is for, by the id it answers:
 *  - `fetch`: our own read, waiting for each asked peer's last chunk;
 *  - `forward`: a GET we passed on for `asker`; replies go back to it;
 *  - `publish`: our own write; acks go to its writer;
 *  - `resubscribe`: a re-ask after reconnect; replies are only merged.
 */
export type Route =
  | { kind: 'fetch'; waiting: Set<Peer>; answered(peer: Peer): void; finish(): void }
  | { kind: 'forward'; asker: Peer; waiting: Set<Peer>; gotData: boolean; answered(peer: Peer): void; finish(): void }
  | { kind: 'publish'; entry: OutboxEntry }
  | { kind: 'resubscribe' }
