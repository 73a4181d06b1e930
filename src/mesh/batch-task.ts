import type { SlicedTask, WorkCost } from './fair.js'
import type { WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * A batch frame with more than `per` messages, handled `per` messages per step in the peer's turns
 * (fair.ts), in order, none on arrival. A 45 KB frame can hold 1000 one-soul GETs, each a subscription,
 * a route, an answer and an ask-back GET: in one go that held the event loop for tens of ms, frame
 * after frame. Each message is charged one key of the peer's budget, and a step counts as `per`
 * messages' share of a slice, so a full step ends the peer's slice.
 */
export class BatchTask implements SlicedTask {
  constructor(
    private readonly peer: Peer,
    private readonly messages: readonly WireMessage[],
    private next: number,
    private readonly per: number,
    private readonly charsPerMessage: number,
    private readonly hear: (msg: WireMessage, peer: Peer) => void,
  ) {}

  step(cost: WorkCost): boolean {
    const { messages, peer } = this
    const end = Math.min(messages.length, this.next + this.per)
    const from = this.next
    while (this.next < end) {
      if (peer.closed) return true
      // Advance first: a message whose handler throws is dropped, not retried.
      this.hear(messages[this.next++], peer)
    }
    const done = end - from
    cost.keys += done
    cost.messages += done
    cost.chars += done * this.charsPerMessage
    return this.next >= messages.length
  }
}
