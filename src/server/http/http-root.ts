import { createRoot } from '../../core/chain/root.js'
import type { Engine, Origin } from '../../core/engine-types.js'
import type { ValidationLimits } from '../../core/validate.js'
import { RootChain } from '../../instance.js'

/** The origin the HTTP API writes under (REST, CLI through REST). */
export const HTTP_ORIGIN = Object.freeze({ name: 'http' })

/**
 * A chain root over the relay's engine for the HTTP API. Its writes are
 * labelled as coming from a peer (`HTTP_ORIGIN`), not from this process, so
 * that a REST write reaches subscribed clients and relay peers exactly as a
 * Gun client's would (whatever the mesh decides about local writes), and
 * /metrics can tell HTTP writes apart. Acks come from storage (no network
 * on this root), so a 200 means durable.
 */
export function createHttpRoot(engine: Engine, limits?: Partial<ValidationLimits>): RootChain {
  const relabel = (origin: Origin): Origin => (origin.kind === 'local' ? { kind: 'peer', peer: HTTP_ORIGIN } : origin)
  const view: Engine = Object.create(engine, {
    put: { value: (nodes: Parameters<Engine['put']>[0], origin: Origin) => engine.put(nodes, relabel(origin)) },
    apply: { value: (nodes: Parameters<Engine['apply']>[0], origin: Origin) => engine.apply(nodes, relabel(origin)) },
    // REST readers are other clients: they see committed data only, never a write storage may still refuse.
    peek: { value: (soul: string) => engine.peekCommitted(soul) },
  }) as Engine
  return new RootChain(createRoot(view, { limits }))
}
