export { createRelay, type Relay, type RelayOptions, type RelayStats } from './relay.js'
export { createSocketServer, type SocketServer, type SocketServerOptions } from '../transport/ws-server.js'
export { DEFAULT_LIMITS, type MeshLimits } from '../mesh/limits.js'
