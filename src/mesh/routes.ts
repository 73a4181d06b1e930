import type { OutboxEntry } from './outbox.js'
import type { Peer } from './peer.js'

/**
 * What a reply (`@`) is for, by the id it answers:
 *  - `fetch`: our own read, waiting for each asked peer's last chunk;
 *  - `forward`: a GET we passed on for `asker`; replies go back to it once
 *    validated and merged (`tail`: the last of them, so chunks keep their order);
 *  - `publish`: our own write; acks go to its writer;
 *  - `resubscribe`: a re-ask after reconnect; replies are only merged.
 * The route table is bounded in entries, in bytes (the ids' characters) and
 * in age, and expires without traffic (docs/mesh.md, Bounds).
 */
export type Route =
  | { kind: 'fetch'; waiting: Set<Peer>; answered(peer: Peer): void; finish(): void }
  | {
      kind: 'forward'
      asker: Peer
      waiting: Set<Peer>
      gotData: boolean
      answered(peer: Peer): void
      finish(): void
      tail?: Promise<void>
      /** Replies with data still being merged, and whether any reached the asker (reply-handler). */
      merging?: number
      delivered?: boolean
      /**
       * The asker already has a complete answer under this id (ours from memory, an earlier relay peer's
       * last chunk, an error, or our "not found"): it has freed its route, so later replies to it are
       * dropped there, and what they change reaches it as a push instead (reply-handler).
       */
      askerDone?: boolean
    }
  | { kind: 'publish'; entry: OutboxEntry }
  | { kind: 'resubscribe' }
