export { createSimNetwork, type SimNetwork, type SimNetworkOptions, type SimNode, type SimNodeOptions, type SimLink } from './sim-network.js'
export { createPrng, pickSeed, type Prng } from './prng.js'
export type { CatchUpOptions, CursorStore } from '../mesh/catch-up.js'
