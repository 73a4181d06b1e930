import { GraphNode } from '../core/node.js'
import { toWireGraph } from '../core/wire.js'
import type { SlicedTask, WorkCost } from './fair.js'
import { graphHash } from './hash.js'
import { randomId } from './ids.js'
import type { MeshContext } from './mesh-types.js'
import type { WireMessage } from './message.js'
import type { Peer } from './peer.js'

/**
 * A GET's reply larger than one message, written one message (`per` keys)
 * per step, so a big node's serialisation — the wire graph, its `##` hash
 * and the JSON text, about 1 ms per 1000 keys — is spread over the peer's
 * turns instead of holding the event loop. Every message but the last names
 * the next in `%`. A node that does not fit in what is left of a message
 * starts the next one; a node larger than a whole message is split across
 * messages. Nodes are read at their size when the reply began: keys are
 * only ever appended, so positions stay valid, and keys written since reach
 * a subscriber as pushes.
 */
export class ReplyTask implements SlicedTask {
  private node = 0
  private key = 0
  private id = randomId()
  private readonly ends: number[]

  constructor(
    private readonly mesh: MeshContext,
    private readonly peer: Peer,
    private readonly ask: string,
    private readonly nodes: readonly GraphNode[],
    private readonly per: number,
  ) {
    this.ends = nodes.map((n) => n.size)
  }

  step(cost: WorkCost): boolean {
    if (this.peer.closed) return true
    const { nodes, ends, per } = this
    const parts: GraphNode[] = []
    let room = per
    while (room > 0 && this.node < nodes.length) {
      const node = nodes[this.node]
      const end = ends[this.node]
      if (this.key === 0 && end > room && end <= per && parts.length > 0) break
      const to = Math.min(end, this.key + room)
      if (to > this.key) parts.push(this.key === 0 && to === node.size ? node : slice(node, this.key, to))
      room -= to - this.key
      if (to === end) {
        this.node++
        this.key = 0
      } else this.key = to
    }
    const last = this.node >= nodes.length
    const put = toWireGraph(parts)
    const reply: WireMessage = { '#': this.id, '@': this.ask, '##': graphHash(put), put }
    if (!last) reply['%'] = this.id = randomId()
    const text = JSON.stringify(reply)
    cost.keys += per - room
    cost.chars += text.length
    this.mesh.sendText(this.peer, text)
    return last
  }
}

function slice(node: GraphNode, from: number, to: number): GraphNode {
  return new GraphNode(node.soul, node.keys.slice(from, to), node.values.slice(from, to), node.states.slice(from, to))
}
