import type { Connect } from '../instance.js'
import { createMesh } from '../mesh/mesh.js'
import { dial, type DialOptions } from './ws-client.js'
import type { WebSocketConstructor } from './websocket-like.js'

/**
 * The `Connect` for a runtime's Gun drop-in: one mesh per instance in
 * client mode, one reconnecting WebSocket per `peers` URL.
 */
export function createConnect(getWebSocket: () => WebSocketConstructor | undefined, extra: Pick<DialOptions, 'wake'> = {}): Connect {
  return (root, options) => {
    const WebSocket = getWebSocket()
    if (WebSocket === undefined) throw new Error('No WebSocket in this runtime: cannot connect to peers')
    const mesh = createMesh({ engine: root.engine })
    root.setNetwork(mesh.network)
    const dialers = (options.peers ?? []).map((url) => dial(mesh, url, { WebSocket, wake: extra.wake }))
    return {
      addPeer(url) {
        dialers.push(dial(mesh, url, { WebSocket, wake: extra.wake }))
      },
      async close() {
        for (const dialer of dialers) dialer.close()
        mesh.close()
        root.setNetwork(undefined)
      },
    }
  }
}
