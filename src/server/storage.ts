import type { StorageAdapter } from '../core/storage-contract.js'
import { createLogStorage } from '../storage/log/index.js'
import { createMemoryStorage } from '../storage/memory.js'

/**
 * The relay's one place that picks a store: the durable log engine in
 * `dataDir` (fsync before ack), or memory when no directory is given.
 */
export async function openRelayStorage(
  dataDir: string | undefined,
  options: { quotaBytes?: number; cacheBytes?: number } = {},
): Promise<{ storage: StorageAdapter; durable: boolean }> {
  if (dataDir === undefined || dataDir === '') return { storage: createMemoryStorage(), durable: false }
  return {
    storage: await createLogStorage({ dir: dataDir, durability: 'fsync', quotaBytes: options.quotaBytes, cacheBytes: options.cacheBytes }),
    durable: true,
  }
}
