import { createEngine } from '../../src/core/engine.js'
import type { Engine } from '../../src/core/engine-types.js'
import { parseWireGraph } from '../../src/core/wire.js'

/** A fixed past state, as in the reference cases. */
export const S = 1_700_000_000_000

/** Feed a wire put `{ soul: node }` into an engine, as a peer would. */
export async function applyWire(engine: Engine, graph: unknown) {
  return engine.put(parseWireGraph(graph), { kind: 'peer', peer: 'test' })
}

/** A one-key wire node. */
export function wireNode(soul: string, key: string, value: unknown, state: number) {
  return { [soul]: { _: { '#': soul, '>': { [key]: state } }, [key]: value } }
}

export function valueAt(engine: Engine, soul: string, key: string) {
  return engine.peek(soul)?.get(key)
}

export function freshEngine() {
  return createEngine()
}
