import type { GraphNode } from '../core/node.js'
import type { WireGraphParser } from '../core/wire.js'
import type { SlicedTask, WorkCost } from './fair.js'
import type { Peer } from './peer.js'

/**
 * The rest of a big put, checked `per` keys per step in the peer's turns
 * (fair.ts), then applied in one step: a put stays all or nothing, and no
 * one sees any of it before all of it is checked. Checking costs ~0.4 µs a
 * key, so a 100 000-key put no longer holds the event loop for ~40 ms at
 * once. Each key costs `weight` keys of the peer's budget, and a step counts
 * as a full slice.
 */
export class PutTask implements SlicedTask {
  constructor(
    private readonly peer: Peer,
    private readonly parser: WireGraphParser,
    private readonly per: number,
    private readonly weight: number,
    private readonly sliceChars: number,
    private readonly apply: (nodes: GraphNode[]) => void,
    private readonly refuse: (error: unknown) => void,
  ) {}

  step(cost: WorkCost): boolean {
    if (this.peer.closed) return true
    let done: boolean
    try {
      done = this.parser.step(this.per)
    } catch (error) {
      this.refuse(error)
      return true
    }
    cost.keys += this.per * this.weight
    cost.chars += this.sliceChars
    if (done) this.apply(this.parser.nodes)
    return done
  }
}
