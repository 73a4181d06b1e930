/**
 * A token bucket: `perSecond` tokens refill continuously up to `burst`.
 * One per connection and kind of request, so one busy peer cannot starve
 * the others.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.last = now()
  }

  take(count = 1): boolean {
    if (this.perSecond === Infinity) return true
    const time = this.now()
    const refill = ((time - this.last) / 1000) * this.perSecond
    this.last = time
    this.tokens = Math.min(this.burst, this.tokens + refill)
    if (this.tokens < count) return false
    this.tokens -= count
    return true
  }
}

/**
 * A token bucket that may go into debt: work is charged after it is done
 * (its cost is known only then), and a peer in debt waits until the refill
 * has paid it off. `perSecond` tokens refill continuously up to `burst`.
 * The clock is read only when the balance goes negative, so charging a peer
 * that is within its budget costs a subtraction.
 */
export class DebtBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.last = now()
  }

  spend(count: number): void {
    this.tokens -= count
    if (this.tokens < 0) this.refill(count)
  }

  /** Milliseconds until the balance is back to zero; 0 when it is not in debt. */
  waitMs(): number {
    if (this.tokens >= 0) return 0
    this.refill(0)
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000)
  }

  /** The balance, for tests and stats (without refilling). */
  get balance(): number {
    return this.tokens
  }

  /** Credit the time since the last refill, capped at `burst` before `pending` (just spent) is taken off. */
  private refill(pending: number): void {
    if (this.perSecond === Infinity) {
      this.tokens = this.burst
      return
    }
    const time = this.now()
    const before = this.tokens + pending
    this.tokens = Math.min(this.burst, before + ((time - this.last) / 1000) * this.perSecond) - pending
    this.last = time
  }
}
