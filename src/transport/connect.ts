import type { Connect } from '../instance.js'
import { createMesh } from '../mesh/mesh.js'
import { dial } from './ws-client.js'
import type { WebSocketConstructor } from './websocket-like.js'

/**
 * The `Connect` for a runtime's Gun drop-in: one mesh per instance in
 * client mode (the instance's own when it has one: its plugins'), one
 * reconnecting WebSocket per `peers` URL.
 */
export function createConnect(getWebSocket: () => WebSocketConstructor | undefined): Connect {
  return (root, options, shared) => {
    const WebSocket = getWebSocket()
    if (WebSocket === undefined) throw new Error('No WebSocket in this runtime: cannot connect to peers')
    const mesh = shared ?? createMesh({ engine: root.engine })
    if (shared === undefined) root.setNetwork(mesh.network)
    const dialers = (options.peers ?? []).map((url) => dial(mesh, url, { WebSocket }))
    return {
      mesh,
      addPeer(url) {
        dialers.push(dial(mesh, url, { WebSocket }))
      },
      async close() {
        for (const dialer of dialers) dialer.close()
        if (shared !== undefined) return
        mesh.close()
        root.setNetwork(undefined)
      },
    }
  }
}
