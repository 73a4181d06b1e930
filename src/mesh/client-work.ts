import { CLOSE_BACKLOG, frameChars, type InboundWork, OUTPUT_POLL_MS, outputFullFor, type SlicedTask, type WorkCost } from './fair.js'
import type { MeshLimits } from './limits.js'
import { errorText } from './message.js'
import type { Peer } from './peer.js'
import { nextTurn } from './scheduler.js'

/** Where a frame that waited goes when its turn comes: the mesh's per-connection handler. */
interface FrameSink {
  hear(text: string): void
}

/** A frame heard while work was waiting: handled in its turn, so a relay's frames keep their order. */
class FrameTask implements SlicedTask {
  constructor(
    readonly peer: Peer,
    readonly text: string,
    readonly sink: FrameSink,
    private readonly run: (task: FrameTask) => void,
  ) {}

  step(): boolean {
    this.run(this)
    return true
  }
}

/**
 * Inbound work in a client mesh (client-role.ts): its peers are the relays it dialled, which it
 * trusts with its reads, so there are no per-peer lanes or budgets to keep (fair.ts is the relay's).
 * Frames run as they come while nothing waits; sliced tasks (a big reply, a big put, a long batch
 * frame) run one step per macrotask in the order they were queued, so a big one never holds a tab's
 * event loop. A frame heard while work waits joins the queue (a relay's frames keep their order, as in
 * a relay's lanes), and frames waiting are bounded: past `maxPeerBacklogChars` of them, the link is
 * closed with 1013 (a relay sending faster than a step per macrotask drains would otherwise grow the
 * queue without bound). A sliced task waits while its peer's socket has a quarter of `maxQueueChars` queued.
 */
export function createClientWork(limits: MeshLimits, log: (line: string) => void): InboundWork {
  const queue: { peer: Peer; task: SlicedTask }[] = []
  const cost: WorkCost = { keys: 0, chars: 0, messages: 0 }
  let scheduled = false
  let backlog = 0
  // A waiting frame being handled: what it queues goes first (its batch's rest before the frames after it).
  let runningFrame = false
  const dropped = new WeakSet<Peer>()

  const runFrame = (frame: FrameTask) => {
    backlog -= frameChars(frame.text)
    runningFrame = true
    try {
      frame.sink.hear(frame.text)
    } finally {
      runningFrame = false
    }
  }

  const outputFull = outputFullFor(limits)
  const outputBlocked = (peer: Peer) => !peer.closed && outputFull(peer)

  const runStep = () => {
    scheduled = false
    if (queue.length > 0 && !(queue[0].task instanceof FrameTask) && outputBlocked(queue[0].peer)) {
      scheduled = true
      setTimeout(runStep, OUTPUT_POLL_MS).unref?.()
      return
    }
    const head = queue.shift()
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
    if (!done) queue.unshift(head)
    schedule()
  }
  const schedule = () => {
    if (scheduled || queue.length === 0) return
    scheduled = true
    nextTurn(runStep)
  }
  const task = (peer: Peer, work: SlicedTask) => {
    if (runningFrame) queue.unshift({ peer, task: work })
    else queue.push({ peer, task: work })
    schedule()
  }

  /** Drop a peer's waiting frames and close its link: its backlog passed the bound. */
  const overflow = (peer: Peer) => {
    dropped.add(peer)
    for (let i = queue.length - 1; i >= 0; i--) {
      const waiting = queue[i].task
      if (waiting instanceof FrameTask && waiting.peer === peer) {
        backlog -= frameChars(waiting.text)
        queue.splice(i, 1)
      }
    }
    log(`closing ${peer.name}: its frames waiting passed maxPeerBacklogChars`)
    try {
      peer.link.close(CLOSE_BACKLOG, 'too many requests')
    } catch {
      // reason: the transport may already be gone.
    }
  }

  return {
    deferFrame(peer, text, sink) {
      if (dropped.has(peer)) return true
      if (runningFrame || queue.length === 0) return false
      if (backlog + frameChars(text) > limits.maxPeerBacklogChars) {
        overflow(peer)
        return true
      }
      backlog += frameChars(text)
      queue.push({ peer, task: new FrameTask(peer, text, sink, runFrame) })
      schedule()
      return true
    },
    task,
    batch: task,
    charge: () => {},
  }
}
