/**
 * Souls with writes storage has not confirmed yet (how many each), and
 * souls a refused write touched. The engine keeps such souls in memory
 * (storage could not give them back), shows readers storage's committed
 * view of them, and once the last write to a refused soul settled it lets
 * go of the node (`rollBack`) so that what storage holds is read back —
 * writes to it wait for that (`afterRefusals`).
 */
export interface InFlight {
  readonly size: number
  has(soul: string): boolean
  /** One more write to `soul` handed to storage. */
  add(soul: string): void
  /** One write to `soul` is durable. */
  landed(soul: string): void
  /** One write to `soul` was refused by storage. */
  refused(soul: string): void
  /** Resolves once every soul of `souls` a refused write touched is rolled back; undefined when none is. */
  afterRefusals(souls: readonly { soul: string }[]): Promise<void> | undefined
}

export function createInFlight(rollBack: (soul: string) => void): InFlight {
  const counts = new Map<string, number>()
  const refusedSouls = new Set<string>()
  const waiters = new Map<string, (() => void)[]>()

  const settle = (soul: string) => {
    const count = counts.get(soul) ?? 0
    if (count > 1) {
      counts.set(soul, count - 1)
      return
    }
    counts.delete(soul)
    // Memory holds values storage refused: let go of the node, the next read or write loads what storage has.
    if (refusedSouls.size > 0 && refusedSouls.delete(soul)) rollBack(soul)
    const waiting = waiters.get(soul)
    if (waiting === undefined) return
    waiters.delete(soul)
    for (const wake of waiting) wake()
  }

  return {
    get size() {
      return counts.size
    },
    has(soul) {
      return counts.size > 0 && counts.has(soul)
    },
    add(soul) {
      counts.set(soul, (counts.get(soul) ?? 0) + 1)
    },
    landed: settle,
    refused(soul) {
      refusedSouls.add(soul)
      settle(soul)
    },
    afterRefusals(nodes) {
      if (refusedSouls.size === 0) return undefined
      let waits: Promise<void>[] | undefined
      for (const { soul } of nodes) {
        if (!refusedSouls.has(soul)) continue
        ;(waits ??= []).push(
          new Promise<void>((resolve) => {
            const list = waiters.get(soul)
            if (list === undefined) waiters.set(soul, [resolve])
            else list.push(resolve)
          }),
        )
      }
      return waits === undefined ? undefined : Promise.all(waits).then(() => {})
    },
  }
}
