import { clientRole } from './client-role.js'
import { createMeshWithRole } from './mesh-core.js'
import type { Mesh, MeshOptions } from './mesh-types.js'

/** What a client mesh is given: the whole mesh's options but those only a relay has. */
export type ClientMeshOptions = Omit<MeshOptions, 'relay' | 'catchUp' | 'peerSecret' | 'mobPeers'>

/**
 * A mesh for a process that dials relays and accepts nobody's work but theirs: a browser tab, an
 * app process (transport/connect.ts), the plugins' mesh. It speaks the same protocol as
 * `createMesh({ relay: false })` but has no fair lanes (client-work.ts) and no relay links
 * (client-links.ts), so a bundler leaves the relay's parts out of a browser build.
 */
export function createClientMesh(options: ClientMeshOptions): Mesh {
  return createMeshWithRole(clientRole, options)
}
