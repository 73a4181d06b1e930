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
