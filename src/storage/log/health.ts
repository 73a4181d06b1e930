import type { StorageHealth } from '../../core/storage-contract.js'

/**
 * Whether the store's last durable write worked. Commits, journal appends
 * and probes report here; `health()` and readiness read it. A failure keeps
 * the time it began (`since`) while failures go on; the first success after
 * it clears it.
 */
export class HealthTracker {
  private failure: { error: string; since: number } | undefined = undefined

  /** Called on every commit: one branch when healthy. */
  succeeded(): void {
    if (this.failure !== undefined) this.failure = undefined
  }

  failed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error)
    this.failure = { error: message, since: this.failure?.since ?? Date.now() }
  }

  get ok(): boolean {
    return this.failure === undefined
  }

  get(): StorageHealth {
    return this.failure === undefined ? { ok: true } : { ok: false, error: this.failure.error, since: this.failure.since }
  }
}
