import type { CatchUp } from './catch-up.js'
import type { PeerEvents } from './mesh-types.js'
import { field, isPlainObject, stringField, type WireMessage } from './message.js'
import type { Peer } from './peer.js'
import type { createRelayLinks } from './relay-links.js'

export interface DamParts {
  links: Pick<ReturnType<typeof createRelayLinks>, 'hearGreeting' | 'hearVouch'>
  catchUp: CatchUp | undefined
  eventsOf(peer: Peer): PeerEvents | undefined
  log(line: string): void
}

/** Hear a `dam` control message: greeting, vouch, catch-up, error notice or `mob`. Never relayed. */
export function createDamHandler(parts: DamParts): (dam: string, msg: WireMessage, id: string, peer: Peer) => void {
  const { links, catchUp, log } = parts
  return (dam, msg, id, peer) => {
    switch (dam) {
      case '?':
        return links.hearGreeting(msg, id, peer)
      case 'vouch':
        return links.hearVouch(msg, peer)
      case 'sync':
        return catchUp?.hear(msg, id, peer)
      case '!': {
        const err = stringField(msg, 'err')
        log(`peer ${peer.name} error notice: ${err?.slice(0, 200) ?? '(none)'}`)
        return
      }
      case 'mob': {
        const suggested = field(msg, 'peers')
        const urls = isPlainObject(suggested)
          ? Object.keys(suggested)
              .filter((u) => /^(wss?|https?):\/\//.test(u))
              .slice(0, 32)
          : []
        parts.eventsOf(peer)?.onMob?.(urls)
        return
      }
      default:
        return // `hi`, `opt`, `tag` and anything unknown: ignored, never relayed.
    }
  }
}
