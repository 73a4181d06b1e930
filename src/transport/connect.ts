import type { Connect } from '../instance.js'
import { createClientMesh } from '../mesh/client-mesh.js'
import { connectAsTab, type DirectConnection, type LockManagerLike } from './tab-leader.js'
import { dial, type DialOptions } from './ws-client.js'
import type { WebSocketConstructor } from './websocket-like.js'

/** Options of `createConnect` beyond the WebSocket class. */
export interface ConnectExtras extends Pick<DialOptions, 'wake'> {
  /**
   * Browsers: instances sharing a database (`broadcastChannel`) elect one tab to hold the relay connection
   * (tab-leader.ts), where the Web Locks API and BroadcastChannel exist; the others go through it.
   */
  leaderElection?: boolean
}

/**
 * The `Connect` for a runtime's entries: one mesh per instance in client
 * mode (the instance's own when it has one: its plugins'), one reconnecting
 * WebSocket per `peers` URL — or, for a tab that does not lead its
 * database's tabs, a link to the tab that does.
 */
export function createConnect(getWebSocket: () => WebSocketConstructor | undefined, extra: ConnectExtras = {}): Connect {
  return (root, options, shared) => {
    const WebSocket = getWebSocket()
    if (WebSocket === undefined) throw new Error('No WebSocket in this runtime: cannot connect to peers')
    const direct = (): DirectConnection => {
      const mesh = shared ?? createClientMesh({ engine: root.engine })
      // Known to have peers before the root sees it, so the sync status goes straight to 'offline', never by 'synced'.
      if ((options.peers ?? []).length > 0) mesh.expectPeers(true)
      if (shared === undefined) root.setNetwork(mesh.network)
      const dialers = (options.peers ?? []).map((url) => dial(mesh, url, { WebSocket, wake: extra.wake }))
      return {
        mesh,
        addPeer(url) {
          dialers.push(dial(mesh, url, { WebSocket, wake: extra.wake }))
        },
        async close() {
          for (const dialer of dialers) dialer.close()
          // The plugins' mesh is theirs to close.
          if (shared !== undefined) return
          mesh.close()
          root.setNetwork(undefined)
        },
      }
    }
    const locks = extra.leaderElection === true ? webLocks() : undefined
    const channel = options.broadcastChannel
    // An instance with plugins (Gun.on('opt')) holds its own connection: its plugins see its traffic.
    if (shared === undefined && typeof channel === 'string' && locks !== undefined && typeof BroadcastChannel === 'function') {
      return connectAsTab(root, channel, locks, direct)
    }
    return direct()
  }
}

/** `navigator.locks`, where there is one (secure contexts of current browsers; 127.0.0.1 and localhost count as secure). */
function webLocks(): LockManagerLike | undefined {
  try {
    return (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks ?? undefined
  } catch {
    return undefined
  }
}
