import { createClientLinks } from './client-links.js'
import { createClientWork } from './client-work.js'
import type { MeshRole } from './mesh-role.js'

/** A client mesh's role (client-mesh.ts): the handshake and its own work queue, nothing of a relay's. */
export const clientRole: MeshRole = {
  work: (host) => createClientWork(host.limits, (line) => host.log(line)),
  links: createClientLinks,
}
