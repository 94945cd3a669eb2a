/**
 * Requests per second per session. Over the rate, requests are not refused but delayed: the
 * session's queue waits for tokens, fills, and then its socket stops being read, so TCP pushes
 * back on the sender and no request is lost.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token: 0 when one was there, else the ms until the reserved one will be. */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }
}
