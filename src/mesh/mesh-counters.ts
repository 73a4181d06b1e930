/** What the mesh counts for stats(), in one object the pieces that count share. */
export class MeshCounters {
  framesIn = 0
  framesOut = 0
  errorsSent = 0
  slowConsumersClosed = 0
  repliesRefused = 0
  longIdsRefused = 0
}
