import { useEcdsa } from './ecdsa.js'
import { nodeEcdsa } from './ecdsa-node.js'

/** `trellis/sea` in Node: the same API, its signatures on Node's crypto (ecdsa-node.ts). */
export * from './index.js'
useEcdsa(nodeEcdsa)
