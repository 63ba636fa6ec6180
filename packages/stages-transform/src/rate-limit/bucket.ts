/**
 * A token bucket in messages: `burst` tokens at most, refilled at `rate` tokens per second,
 * starting full. `take(n)` always succeeds and says how long to wait before using the tokens:
 * the balance may go negative (a batch larger than the burst), and the wait is exactly the
 * time the refill needs to bring it back to zero. So the messages taken by time t never exceed
 * `burst + rate * t` (t in s), whatever the batch sizes.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes `n` tokens; returns the ms to wait before the messages may go (0: now). */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.rate) / 1000);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.rate;
  }
}
