import type { InboundWork, SlicedTask, WorkCost } from './fair.js'
import { errorText } from './message.js'
import type { Peer } from './peer.js'
import { nextTurn } from './scheduler.js'

/**
 * Inbound work in a client mesh (client-role.ts): its peers are the relays it dialled, which it
 * trusts with its reads, so there are no per-peer lanes or budgets to keep (fair.ts is the relay's).
 * Frames run as they come; sliced tasks (a big reply, a big put, a long batch frame) run one step
 * per macrotask in the order they were queued, so a big one never holds a tab's event loop.
 */
export function createClientWork(log: (line: string) => void): InboundWork {
  const queue: { peer: Peer; task: SlicedTask }[] = []
  const cost: WorkCost = { keys: 0, chars: 0, messages: 0 }
  let scheduled = false

  const runStep = () => {
    scheduled = false
    const head = queue[0]
    if (head === undefined) return
    cost.keys = cost.chars = cost.messages = 0
    let done: boolean
    try {
      done = head.task.step(cost)
    } catch (error) {
      // reason: no input may take the process down; a failed task costs one reply.
      log(`sliced work for ${head.peer.name} failed: ${errorText(error)}`)
      done = true
    }
    if (done) queue.shift()
    schedule()
  }
  const schedule = () => {
    if (scheduled || queue.length === 0) return
    scheduled = true
    nextTurn(runStep)
  }
  const task = (peer: Peer, work: SlicedTask) => {
    queue.push({ peer, task: work })
    schedule()
  }

  return { deferFrame: () => false, task, batch: task, charge: () => {} }
}
