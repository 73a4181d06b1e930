import { CLOSE_DUPLICATE, CLOSE_SELF } from './link.js'
import { randomId } from './ids.js'
import type { LinksContext, MeshLinks } from './mesh-role.js'
import type { PeerEvents } from './mesh-types.js'
import { field, stringField, type WireMessage } from './message.js'
import { createPeerProof } from './peer-proof.js'
import type { Peer } from './peer.js'

/**
 * The `?` handshake, peer roles and the one-link rule between relays
 * (docs/mesh.md, Peer roles and Relay peering): who a link is (its pid),
 * whether an accepted link is a relay peer (proven by the cluster secret or
 * vouched for over a link we dialled) or a client, and which of two links
 * between two relays is kept. Pure: no sockets, WebCrypto only.
 */
export function createRelayLinks(context: LinksContext): MeshLinks {
  const { pid, relay, maxIdChars, peers, send, closePeer, eventsOf, isClosed, log } = context
  const peerProof = context.peerSecret !== undefined && context.peerSecret !== '' ? createPeerProof(context.peerSecret) : undefined
  /** Accepted links by the nonce we greeted them with: a relay we dial vouches for its own link to us by naming it. */
  const inboundByNonce = new Map<string, Peer>()
  let duplicateLinksClosed = 0
  let relayLinksProven = 0
  let relayProofsFailed = 0

  /** The greeting for an accepted link: Gun's `?` with our pid, plus a nonce fresh to this connection. */
  function greet(peer: Peer): string {
    const nonce = randomId(24)
    peer.greetNonce = nonce
    inboundByNonce.set(nonce, peer)
    return JSON.stringify({ '#': randomId(), dam: '?', pid, nonce })
  }

  /** A `?` message: a greeting (we answer it) or the answer to ours (the handshake is done). */
  function hearGreeting(msg: WireMessage, id: string, peer: Peer): void {
    const theirPid = stringField(msg, 'pid')
    const answering = field(msg, '@') !== undefined
    if (theirPid !== undefined && theirPid.length <= maxIdChars) {
      peer.pid ??= theirPid
      if (peer.outgoing && relay) dialled.add(peer)
      if (theirPid === pid) {
        // We dialled ourselves (Gun's DAM self-detection): drop the loop, do not redial.
        closePeer(peer, CLOSE_SELF, 'connected to self')
        eventsOf(peer)?.onSelf?.()
        return
      }
      if (peer.pid === theirPid) {
        if (peer.outgoing) {
          // The greeting of the relay we dialled: its nonce is how we vouch for this link (vouchFor).
          const nonce = stringField(msg, 'nonce')
          if (!answering && nonce !== undefined && nonce.length <= maxIdChars) peer.greetNonce ??= nonce
        } else if (answering && field(msg, 'relay') === true && !peer.claimsRelay) {
          // A claim only: the link stays a client's until the claim is proven (docs/mesh.md, Peer roles).
          peer.claimsRelay = true
          if (field(msg, 'oneLink') === true) peer.keepsOneLink = true
          checkProof(peer, theirPid, stringField(msg, 'proof'))
          if (peer.vouchedBy === theirPid) return becomeRelay(peer)
        }
      }
      // The answer to our greeting: the handshake is done on this link.
      if (answering) return relayLinkReady(peer)
    }
    // Answers are never answered (two meshes would otherwise answer each other forever).
    if (answering) return
    const answer: WireMessage = { '#': randomId(), dam: '?', pid, '@': id }
    if (relay && peer.outgoing) {
      answer.relay = answer.oneLink = true
      if (peerProof !== undefined && theirPid !== undefined && peer.greetNonce !== undefined) {
        // Our proof to the relay we dialled; the answer waits for it (WebCrypto is asynchronous).
        const sendAnswer = () => {
          if (!peer.closed) send(peer, answer)
        }
        peerProof.sign(theirPid, peer.greetNonce, pid).then((proof) => {
          answer.proof = proof
          sendAnswer()
        }, sendAnswer)
        relayLinkReady(peer)
        return
      }
    }
    send(peer, answer)
    // Answer first: the other relay learns this link is a relay link before we drop its duplicate.
    relayLinkReady(peer)
  }

  /** A relay we dialled names the nonce we greeted its own link to us with: that link is it. */
  function hearVouch(msg: WireMessage, peer: Peer): void {
    const nonce = stringField(msg, 'nonce')
    if (!relay || !peer.outgoing || !peer.relay || peer.pid === undefined || nonce === undefined) return
    const target = inboundByNonce.get(nonce)
    if (target === undefined || target.closed) return
    target.vouchedBy = peer.pid
    if (target.claimsRelay && target.pid === peer.pid) becomeRelay(target)
  }

  // ---- peer roles (docs/mesh.md, Peer roles) ----
  // A link we dialled to a configured relay is a relay peer. An accepted link is a client — its GETs are
  // answered, never forwarded to it, its replies never awaited — unless it claims `"relay":true` in its
  // `?` answer AND proves it: an HMAC of our greeting's nonce under the cluster secret (peer-proof.ts), or
  // a vouch from the same relay over the link we dialled to it (it names the nonce we greeted its link with).

  /** Check a relay's HMAC proof once per link; a valid one makes the link a relay peer. */
  const proofTried = new WeakSet<Peer>()
  function checkProof(peer: Peer, theirPid: string, proof: string | undefined): void {
    const nonce = peer.greetNonce
    if (peerProof === undefined || proof === undefined || nonce === undefined || proofTried.has(peer)) return
    proofTried.add(peer)
    peerProof.verify(pid, nonce, theirPid, proof).then(
      (valid) => {
        if (valid) {
          if (!peer.closed && peer.pid === theirPid) becomeRelay(peer)
          return
        }
        relayProofsFailed++
        log(`relay claim from ${peer.name} refused: its proof does not verify`)
      },
      () => {
        relayProofsFailed++
      },
    )
  }

  function becomeRelay(peer: Peer): void {
    if (!relay || peer.relay || peer.closed || peer.outgoing) return
    peer.relay = true
    relayLinksProven++
    relayLinkReady(peer)
  }

  /**
   * Send the nonce each relay `theirPid` greeted our dialled link with over its claimed links to us:
   * it knows which of its accepted links carries that nonce, and that our message came over the link it
   * dialled itself. A lookalike claiming that pid learns a nonce that proves nothing from where it sits.
   */
  function vouchFor(theirPid: string): void {
    let nonce: string | undefined
    for (const out of liveDialledTo(theirPid)) nonce ??= out.greetNonce
    if (nonce === undefined) return
    for (const inbound of liveLinksTo(theirPid, isClaimedRelayLink)) {
      if (inbound.vouchSent === nonce) continue
      inbound.vouchSent = nonce
      send(inbound, { '#': randomId(), dam: 'vouch', nonce })
    }
  }

  // ---- one link between two relays that dial each other ----
  // Both learn the other's pid in the `?` handshake; the link dialled by the lower pid is kept. Only the
  // lower-pid relay closes anything — the link it accepted, and only while its own link is up — so the two
  // sides can never drop both links. The higher-pid relay's dialler stands by while the kept link is up.

  /** Diallers whose link was closed as a duplicate by the lower-pid relay `pid`; `standing` while its link to us is up. */
  const dedupedDialers = new Map<PeerEvents, { pid: string; standing: boolean }>()

  function isDialledRelayLink(peer: Peer): boolean {
    return relay && peer.outgoing && peer.relay
  }

  /** An accepted link proven to be a relay peer. */
  function isAcceptedRelayLink(peer: Peer): boolean {
    return relay && !peer.outgoing && peer.relay
  }

  /** An accepted link that claims to be a relay, proven or not. */
  function isClaimedRelayLink(peer: Peer): boolean {
    return relay && !peer.outgoing && peer.claimsRelay
  }

  /**
   * Relay links we dialled whose pid we know: a handful (the configured relays), so the checks every
   * accepted handshake makes never walk all peers — a flood of sockets claiming to be relays costs
   * one small scan each, and a walk of all peers only when the claimed pid is a relay we dial.
   */
  const dialled = new Set<Peer>()
  function liveDialledTo(theirPid: string): Peer[] {
    const out: Peer[] = []
    for (const peer of dialled) if (!peer.closed && peer.pid === theirPid && isDialledRelayLink(peer)) out.push(peer)
    return out
  }

  function liveLinksTo(theirPid: string, kind: (peer: Peer) => boolean): Peer[] {
    const out: Peer[] = []
    for (const peer of peers) if (!peer.closed && peer.pid === theirPid && kind(peer)) out.push(peer)
    return out
  }

  /**
   * A link's handshake is done, or its relay claim was just proven: vouch for the other relay's links to
   * us, then the lower pid drops the duplicate and the higher pid's diallers may stand by.
   */
  function relayLinkReady(peer: Peer): void {
    const theirPid = peer.pid
    if (!relay || peer.closed || theirPid === undefined || theirPid === pid) return
    if (!peer.relay && !peer.claimsRelay) return
    vouchFor(theirPid)
    if (peer.closed) return
    if (pid < theirPid) dropDuplicatesOf(peer, theirPid)
    else if (isAcceptedRelayLink(peer)) standByDiallersOf(theirPid)
    if (peer.relay && !peer.closed) context.onRelayLink?.(peer)
  }

  /**
   * We have the lower pid: keep the link we dialled, close any the other relay dialled to us — if it
   * said it stands by then (a relay that does not would redial at once, again and again).
   */
  function dropDuplicatesOf(peer: Peer, theirPid: string): void {
    // A claim is enough to be closed: a lookalike of a relay we have our own link to loses nothing.
    if (peer.outgoing) {
      for (const duplicate of liveLinksTo(theirPid, isClaimedRelayLink)) if (duplicate.keepsOneLink) closeDuplicate(duplicate)
    } else if (peer.claimsRelay && peer.keepsOneLink && liveDialledTo(theirPid).length > 0) {
      closeDuplicate(peer)
    }
  }

  function closeDuplicate(peer: Peer): void {
    duplicateLinksClosed++
    log(`closing ${peer.name}: relay ${peer.pid ?? '?'} is already linked by the link we dialled`)
    closePeer(peer, CLOSE_DUPLICATE, 'duplicate relay link')
  }

  /**
   * The lower-pid relay closed our dialled link as a duplicate. Stand by while its link to us is up; if
   * we cannot see that link yet, the dialler redials as usual and stands by once the link shows up.
   */
  function dialledLinkWasDuplicate(peer: Peer): void {
    const theirPid = peer.pid
    const events = eventsOf(peer)
    if (!isDialledRelayLink(peer) || theirPid === undefined || !(theirPid < pid) || events?.onStandby === undefined) return
    const dialer = { pid: theirPid, standing: false }
    dedupedDialers.set(events, dialer)
    if (liveLinksTo(theirPid, isAcceptedRelayLink).length > 0) standBy(events, dialer)
  }

  function standBy(events: PeerEvents, dialer: { standing: boolean }): void {
    dialer.standing = true
    events.onStandby?.()
  }

  function standByDiallersOf(theirPid: string): void {
    for (const [events, dialer] of dedupedDialers) if (dialer.pid === theirPid && !dialer.standing) standBy(events, dialer)
  }

  function resumeDiallersOf(theirPid: string): void {
    if (isClosed() || liveLinksTo(theirPid, isAcceptedRelayLink).length > 0) return
    for (const [events, dialer] of dedupedDialers) {
      if (dialer.pid !== theirPid || !dialer.standing) continue
      dialer.standing = false
      events.onResume?.()
    }
  }

  return {
    greet,
    hearGreeting,
    hearVouch,
    /** A link is gone: forget its nonce; diallers standing by for it may dial again. */
    detached(peer: Peer): void {
      dialled.delete(peer)
      if (peer.greetNonce !== undefined && inboundByNonce.get(peer.greetNonce) === peer) inboundByNonce.delete(peer.greetNonce)
      if (isAcceptedRelayLink(peer) && peer.pid !== undefined) resumeDiallersOf(peer.pid)
    },
    /** The other side closed a link; `code` is its close code, when known. */
    closedByThem(peer: Peer, code: number | undefined): void {
      if (code === CLOSE_DUPLICATE) dialledLinkWasDuplicate(peer)
    },
    /** The dialler has a link of its own again: the duplicate rule starts afresh on it. */
    dialling(events: PeerEvents): void {
      dedupedDialers.delete(events)
    },
    get duplicateLinksClosed() {
      return duplicateLinksClosed
    },
    get relayLinksProven() {
      return relayLinksProven
    },
    get relayProofsFailed() {
      return relayProofsFailed
    },
  }
}
