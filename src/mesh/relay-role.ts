import { createCatchUp } from './catch-up.js'
import { fairFor } from './fair.js'
import type { MeshRole } from './mesh-role.js'
import { createPusher } from './push.js'
import { createRelayLinks } from './relay-links.js'
import { createRelayReads } from './relay-reads.js'

/**
 * The whole mesh's role (mesh.ts): fair lanes, relay links with peer roles and the one-link rule, and —
 * when the mesh's `relay` option is on — catch-up, pushes to subscribers and forwarded reads.
 */
export const relayRole: MeshRole = {
  work: fairFor,
  links: createRelayLinks,
  relay: { catchUp: createCatchUp, pusher: createPusher, reads: createRelayReads },
}
