import { createMeshWithRole } from './mesh-core.js'
import type { Mesh, MeshOptions } from './mesh-types.js'
import { relayRole } from './relay-role.js'

export type { Mesh, MeshOptions, MeshStats, PeerEvents, PeerHandle } from './mesh-types.js'

/**
 * The whole mesh: a relay with `relay: true` (subscriptions, pushes, forwarded reads, catch-up,
 * relay links), fair lanes for every peer's work either way. Relays, the server and the simulated
 * network use it; a process that only dials relays can use the smaller `createClientMesh`.
 */
export function createMesh(options: MeshOptions): Mesh {
  return createMeshWithRole(relayRole, options)
}
