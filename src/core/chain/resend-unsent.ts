import type { Ack, Engine, Network } from '../engine-types.js'
import type { UnsentJournal } from '../storage-contract.js'
import type { ValidationLimits } from '../validate.js'
import { parseWireGraph } from '../wire.js'

export interface ResendParts {
  journal: UnsentJournal
  engine: Engine
  limits: ValidationLimits
  nextId: () => string
  /** Count one more write as waiting (the sync status and `synced()` see it). */
  begin: () => void
  /** One counted write is settled. */
  settle: () => void
}

/**
 * After a restart (a page reload), the writes a previous run made that no
 * peer acknowledged, read from the storage's offline queue, are sent again:
 * applied locally first (the store normally has them already; HAM makes that
 * a no-op, and it covers a reload that came between journaling a write and
 * storing it), then published like new writes under fresh message ids (a
 * relay's dedup may still hold the old ones). Each leaves the queue once a
 * peer answers it. The caller counts the restore itself as one waiting write
 * until this resolves, so the status never says `synced` before the queue
 * was read. An entry that no longer parses is dropped: it could never be sent.
 */
export async function resendUnsent(parts: ResendParts, network: () => Network | undefined): Promise<void> {
  const { journal, engine, limits } = parts
  let writes: Awaited<ReturnType<UnsentJournal['list']>>
  try {
    writes = await journal.list()
  } catch {
    // reason: an unreadable queue (storage gone) leaves nothing to resend; new writes still go out.
    return
  }
  const net = network()
  // Without peers to send to (none configured this run), the queue is kept for a run that has them.
  if (net === undefined || !(net.writesNeedPeerAck ?? net.hasPeers)) return
  for (const write of writes) {
    let nodes
    try {
      nodes = parseWireGraph(JSON.parse(write.put), limits)
    } catch {
      void journal.remove(write.id)
      continue
    }
    parts.begin()
    try {
      await engine.put(nodes, { kind: 'local', id: write.id })
    } catch {
      // reason: refused locally now (storage, verification): the relay still gets it, and decides.
    }
    net.publish(
      nodes,
      parts.nextId(),
      (_ack: Ack) => {
        void journal.remove(write.id)
        parts.settle()
      },
      write.put,
    )
  }
}
