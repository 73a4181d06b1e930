// The attacks, in the order they run. Each module has one concern; see lib/harness.mjs for the shape.
import baseline from './baseline.mjs'
import connectionFlood from './connection-flood.mjs'
import deferralBytes from './deferral-bytes.mjs'
import deferralHeap from './deferral-heap.mjs'
import farFutureRestart from './far-future-restart.mjs'
import idleTables from './idle-tables.mjs'
import largeGets from './large-gets.mjs'
import longId from './long-id.mjs'
import longSouls from './long-souls.mjs'
import nodeCacheBytes from './node-cache-bytes.mjs'
import partialFrames from './partial-frames.mjs'
import relayClaim from './relay-claim.mjs'
import slowConsumer from './slow-consumer.mjs'

export const attacks = [
  baseline,
  farFutureRestart,
  deferralBytes,
  partialFrames,
  nodeCacheBytes,
  longSouls,
  deferralHeap,
  largeGets,
  relayClaim,
  idleTables,
  longId,
  slowConsumer,
  connectionFlood,
]
