import { Fifo } from '../core/fifo.js'
import type { MeshLimits } from './limits.js'
import type { Peer } from './peer.js'
import { DebtBucket } from './rate.js'
import { nextTurn } from './scheduler.js'

/**
 * Fair scheduling of inbound work (docs/mesh.md, "Fairness").
 *
 * A small frame from a peer with nothing waiting and budget left runs at
 * once, as before: that is the fast path of nearly every put, and it costs a
 * map lookup and a subtraction. Everything else waits in the peer's lane:
 * frames past `sliceChars`, frames from a peer whose earlier work is still
 * waiting (a peer's frames keep their order), frames from a peer over its
 * budget, and sliced tasks (a big GET's reply, one chunk per step; a batch
 * frame of more than `sliceMessages` messages, that many per step). Lanes
 * are served round-robin, a slice (`sliceChars` of work) each, and a turn
 * ends after `turnMs` or `sliceMessages` messages, so sockets are polled —
 * and other peers' small frames run — between slices. A peer's waiting frames are bounded: past half of
 * `maxPeerBacklogChars` its socket stops being read (TCP pushes back), past
 * all of it the connection is closed with 1013.
 */

/** One bounded part of a peer's work at a time (a big GET's reply, a big put's checks). */
export interface SlicedTask {
  /** Do one bounded part and add what it cost to `cost`; true when nothing is left. */
  step(cost: WorkCost): boolean
}

export interface WorkCost {
  /** Keys served or written: charged to the peer's key budget. */
  keys: number
  /** Characters produced: measure a slice (not charged; inbound frames are what the character budget counts). */
  chars: number
  /**
   * Messages handled (a batch frame's slice). Their handlers' asynchronous tails (a GET's answer after
   * its read, a put's ack) run after the turn, unseen by its clock: a turn ends after `sliceMessages`.
   */
  messages: number
}

/** Where a deferred frame goes when its turn comes: the mesh's per-connection handler. */
interface FrameSink {
  hear(text: string): void
}

/** How the transport stops and restarts reading a peer's socket (ws: pause/resume). */
export interface FlowControl {
  pause(): void
  resume(): void
}

export interface FairStats {
  /** Characters of frames waiting for their peer's turn. */
  backlogChars: number
  /** Peers with work waiting (queued, sliced or over budget). */
  busyPeers: number
  /** Frames that waited for their peer's turn instead of running on arrival. */
  deferredFrames: number
  /** Sliced tasks started (big GET replies, big puts). */
  slicedTasks: number
  /** Batch frames of more than `sliceMessages` messages, handled a slice at a time. */
  slicedBatches: number
  /** Times a peer's work waited because it was over its key or character budget. */
  budgetWaits: number
  /** Connections closed because their backlog passed `maxPeerBacklogChars`. */
  backlogCloses: number
}

export interface Fair {
  /** The fairness hook: true when the frame was queued for the peer's turn (or dropped), false to run it now. */
  deferFrame(peer: Peer, text: string, sink: FrameSink): boolean
  /** Queue sliced work for a peer; it runs in the peer's turns, after the peer's earlier tasks. */
  task(peer: Peer, task: SlicedTask): void
  /** Queue the rest of a batch frame (BatchTask): like `task`, counted apart. */
  batch(peer: Peer, task: SlicedTask): void
  /** Charge a peer's key budget for work done outside its lane (keys written, or served in a small reply). */
  charge(peer: Peer, keys: number): void
  stats(): FairStats
}

/** The part of the scheduler the mesh and its handlers use (a client mesh has client-work.ts instead). */
export type InboundWork = Pick<Fair, 'deferFrame' | 'task' | 'batch' | 'charge'>

/** Close code for a peer whose backlog passed its bound: "try again later". */
export const CLOSE_BACKLOG = 1013

/**
 * The least a frame is charged, waiting or budgeted: a tiny one (`[]`) still holds a string and a
 * queue slot and takes a turn, so counting its two characters would let a flood of them queue
 * millions under a bound meant in characters.
 */
export const MIN_FRAME_CHARS = 64

/** What a frame is charged against the backlog bound and the peer's budget. */
export const frameChars = (text: string): number => Math.max(text.length, MIN_FRAME_CHARS)

/** How long sliced work that waits on a full socket looks again. */
export const OUTPUT_POLL_MS = 2

/**
 * Whether a peer's socket has a quarter of `maxQueueChars` queued: its sliced work then waits (relays'
 * lanes and clients' queue alike), since replies written faster than the socket drains would close it
 * as a slow consumer.
 */
export function outputFullFor(limits: MeshLimits): (peer: Peer) => boolean {
  const highWater = Math.floor(limits.maxQueueChars / 4)
  return (peer) => peer.link.bufferedAmount() + peer.batcher.pending > highWater
}

/** A lane's slice also ends after this long (tasks whose steps produce no text, such as sorting). */
const SLICE_MS = 1

const IDLE = 0
const READY = 1
const WAITING = 2

class Lane {
  state = IDLE
  running = false
  dead = false
  paused = false
  backlog = 0
  frames: string[] = []
  frameHead = 0
  tasks: SlicedTask[] = []
  taskHead = 0
  timer: ReturnType<typeof setTimeout> | undefined = undefined
  readonly keys: DebtBucket
  readonly chars: DebtBucket

  constructor(
    readonly peer: Peer,
    public sink: FrameSink | undefined,
    public flow: FlowControl | undefined,
    limits: MeshLimits,
  ) {
    this.keys = new DebtBucket(limits.peerKeysPerSecond, limits.peerKeysPerSecond * 4)
    this.chars = new DebtBucket(limits.peerCharsPerSecond, limits.peerCharsPerSecond * 4)
  }

  get hasWork(): boolean {
    return this.frameHead < this.frames.length || this.taskHead < this.tasks.length
  }
}

/** Flow control registered by transports, per peer (the pool that accepted its socket). */
const flows = new WeakMap<Peer, FlowControl>()

/** Let the scheduler pause and resume reading this peer's socket. Call before its first frame. */
export function registerFlowControl(peer: Peer, flow: FlowControl): void {
  flows.set(peer, flow)
}

/** Schedulers by mesh; keyed by the mesh's peer set, which the mesh, its context and its handlers share. */
const schedulers = new WeakMap<object, Fair>()

/** The scheduler of a mesh (created on first use). */
export function fairFor(mesh: { readonly peers: ReadonlySet<Peer>; readonly limits: MeshLimits; log(line: string): void }): Fair {
  let fair = schedulers.get(mesh.peers)
  if (fair === undefined) schedulers.set(mesh.peers, (fair = createFair(mesh.limits, (line) => mesh.log(line))))
  return fair
}

/** Fairness figures of a mesh, for metrics; undefined before its first frame. */
export function fairStatsOf(peers: ReadonlySet<Peer>): FairStats | undefined {
  return schedulers.get(peers)?.stats()
}

/** Relay links and links we dialled carry many clients' work: ordered and sliced like any peer's, never budgeted. */
function budgeted(peer: Peer): boolean {
  return !peer.relay && !peer.outgoing
}

function createFair(limits: MeshLimits, log: (line: string) => void = () => {}): Fair {
  const lanes = new WeakMap<Peer, Lane>()
  const ready = new Fifo<Lane>()
  const sliceChars = Math.max(1, limits.sliceChars)
  const pauseAt = Math.max(sliceChars, Math.floor(limits.maxPeerBacklogChars / 2))
  const cost: WorkCost = { keys: 0, chars: 0, messages: 0 }
  const sliceMessages = Math.max(1, limits.sliceMessages)
  // Messages handled in this turn (frames count one each): a turn ends at `sliceMessages`.
  let turnMessages = 0
  let scheduled = false
  let busy = 0
  let totalBacklog = 0
  let deferredFrames = 0
  let slicedTasks = 0
  let slicedBatches = 0
  let budgetWaits = 0
  let backlogCloses = 0

  const laneOf = (peer: Peer, sink: FrameSink | undefined): Lane => {
    let lane = lanes.get(peer)
    if (lane === undefined) lanes.set(peer, (lane = new Lane(peer, sink, flows.get(peer), limits)))
    else if (lane.sink === undefined) lane.sink = sink
    return lane
  }

  /** Queue sliced work in the peer's lane; false when the lane or the peer is gone. */
  const enqueue = (peer: Peer, task: SlicedTask): boolean => {
    const lane = laneOf(peer, undefined)
    if (lane.dead || peer.closed) return false
    lane.tasks.push(task)
    wake(lane)
    return true
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    nextTurn(turn)
  }

  const makeReady = (lane: Lane) => {
    if (lane.state === IDLE) busy++
    lane.state = READY
    ready.push(lane)
    schedule()
  }

  const wake = (lane: Lane) => {
    if (lane.state === IDLE) makeReady(lane)
    // READY: already in the ring; WAITING: its timer makes it ready.
  }

  const park = (lane: Lane, ms: number) => {
    if (lane.state === IDLE) busy++
    lane.state = WAITING
    lane.timer = setTimeout(() => {
      lane.timer = undefined
      if (lane.state === WAITING) {
        lane.state = IDLE
        busy--
        makeReady(lane)
      }
    }, ms)
    lane.timer.unref?.()
  }

  const idle = (lane: Lane) => {
    if (lane.state !== IDLE) busy--
    lane.state = IDLE
    lane.frames = []
    lane.frameHead = 0
    lane.tasks = []
    lane.taskHead = 0
  }

  const resumeIfDrained = (lane: Lane) => {
    if (lane.paused && lane.backlog < pauseAt / 2) {
      lane.paused = false
      lane.flow?.resume()
    }
  }

  /** Drop a closed peer's work. */
  const drop = (lane: Lane) => {
    totalBacklog -= lane.backlog
    lane.backlog = 0
    lane.dead = true
    if (lane.timer !== undefined) clearTimeout(lane.timer)
    lane.timer = undefined
    idle(lane)
  }

  const budgetWait = (lane: Lane): number => {
    if (!budgeted(lane.peer)) return 0
    const wait = Math.max(lane.keys.waitMs(), lane.chars.waitMs())
    if (wait > 0) budgetWaits++
    return wait
  }

  const outputBlocked = outputFullFor(limits)
  /** A client whose signature checks fill its share of the verify queue waits for them before its next frame. */
  const checksBlocked = (peer: Peer) => peer.checksWaiting > limits.maxPeerChecksWaiting && budgeted(peer)

  /** One peer's slice of work: until `sliceChars` are spent, its work runs out, or it must wait. */
  const runLane = (lane: Lane) => {
    const peer = lane.peer
    const start = performance.now()
    let spent = 0
    for (;;) {
      if (peer.closed || lane.dead) return drop(lane)
      if (!lane.hasWork) return idle(lane)
      const wait = budgetWait(lane)
      if (wait > 0) return park(lane, Math.min(wait, 60_000))
      if (checksBlocked(peer)) return park(lane, OUTPUT_POLL_MS)
      if (lane.taskHead < lane.tasks.length) {
        if (outputBlocked(peer)) return park(lane, OUTPUT_POLL_MS)
        const task = lane.tasks[lane.taskHead]
        cost.keys = 0
        cost.chars = 0
        cost.messages = 0
        let done: boolean
        try {
          done = task.step(cost)
        } catch (error) {
          // reason: no input may take the process down; a failed task costs one reply.
          log(`sliced work for ${peer.name} failed: ${error instanceof Error ? error.message : String(error)}`)
          done = true
        }
        if (budgeted(peer)) lane.keys.spend(cost.keys)
        spent += Math.max(cost.chars, 1)
        turnMessages += cost.messages
        if (done) {
          lane.tasks[lane.taskHead++] = undefined as unknown as SlicedTask
          if (lane.taskHead === lane.tasks.length) {
            lane.tasks = []
            lane.taskHead = 0
          }
        }
      } else {
        const text = lane.frames[lane.frameHead]
        lane.frames[lane.frameHead++] = ''
        if (lane.frameHead === lane.frames.length) {
          lane.frames = []
          lane.frameHead = 0
        }
        const charged = frameChars(text)
        lane.backlog -= charged
        totalBacklog -= charged
        resumeIfDrained(lane)
        if (budgeted(peer)) lane.chars.spend(charged)
        spent += charged
        turnMessages++
        lane.running = true
        try {
          lane.sink?.hear(text)
        } finally {
          lane.running = false
        }
      }
      if (spent >= sliceChars || turnMessages >= sliceMessages || performance.now() - start >= SLICE_MS) {
        if (!lane.hasWork) return idle(lane)
        lane.state = READY
        ready.push(lane)
        return
      }
    }
  }

  const turn = () => {
    scheduled = false
    turnMessages = 0
    const deadline = performance.now() + limits.turnMs
    while (ready.size > 0) {
      const lane = ready.shift() as Lane
      if (lane.state !== READY) continue
      runLane(lane)
      if (turnMessages >= sliceMessages || performance.now() >= deadline) break
    }
    if (ready.size > 0) schedule()
  }

  return {
    deferFrame(peer, text, sink) {
      const lane = laneOf(peer, sink)
      if (lane.running) return false
      if (lane.dead) return true
      const chars = frameChars(text)
      // The fast path: nothing waiting, a small frame, budget left (both budgets: a peer in debt for the
      // keys it was served or the signatures it had checked waits, however few characters it sends).
      if (lane.state === IDLE && chars <= sliceChars && !checksBlocked(peer)) {
        if (!budgeted(peer)) return false
        if ((lane.chars.balance >= 0 && lane.keys.balance >= 0) || budgetWait(lane) === 0) {
          lane.chars.spend(chars)
          return false
        }
      }
      if (lane.backlog + chars > limits.maxPeerBacklogChars) {
        backlogCloses++
        log(`closing ${peer.name}: ${lane.backlog + chars} chars of frames waiting, over maxPeerBacklogChars`)
        drop(lane)
        try {
          peer.link.close(CLOSE_BACKLOG, 'too many requests')
        } catch {
          // reason: the transport may already be gone.
        }
        return true
      }
      deferredFrames++
      lane.frames.push(text)
      lane.backlog += chars
      totalBacklog += chars
      if (!lane.paused && lane.backlog >= pauseAt && (lane.flow ??= flows.get(peer)) !== undefined) {
        lane.paused = true
        lane.flow.pause()
      }
      wake(lane)
      return true
    },
    task(peer, task) {
      if (enqueue(peer, task)) slicedTasks++
    },
    batch(peer, task) {
      if (enqueue(peer, task)) slicedBatches++
    },
    charge(peer, keys) {
      if (budgeted(peer)) laneOf(peer, undefined).keys.spend(keys)
    },
    stats() {
      return { backlogChars: totalBacklog, busyPeers: busy, deferredFrames, slicedTasks, slicedBatches, budgetWaits, backlogCloses }
    },
  }
}
