/**
 * Counts failures per key (an account, an address) in a fixed window. A key at its limit is
 * refused until its window ends, before any password hash is computed, so guessing costs the
 * guesser time and the server nothing.
 */
export class FailureThrottle {
  private windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    /** 0 turns the throttle off */
    private readonly limit: number,
    private readonly windowMs: number,
    /** beyond this many tracked keys, expired ones are swept so memory stays bounded */
    private readonly sweepAbove = 10_000,
  ) {}

  /** ms until the key may try again, or 0 when it may try now. */
  retryAfter(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) return 0;
    return w.count >= this.limit ? w.resetAt - now : 0;
  }

  fail(key: string, now = Date.now()): void {
    if (this.limit === 0) return; // off: nothing is counted, so nothing is refused
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= this.sweepAbove) this.sweep(now);
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
    } else {
      w.count++;
    }
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}
