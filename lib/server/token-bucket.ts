/**
 * Requests per second per session. Over the rate, requests are not refused but delayed: the
 * session's queue waits for tokens, fills, and then its socket stops being read, so TCP pushes
 * back on the sender and no request is lost.
 *
 * It counts requests, not their cost: requests slower than 1/perSecond never wait, and it is
 * the request queue's time slice, not this, that keeps one connection from holding the event
 * loop. Times are from a monotonic clock (performance.now()).
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
    // A clock that went back must not take tokens away (a wall clock stepped back an hour
    // would stall the session for that hour).
    const elapsed = Math.max(0, now - this.last);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.perSecond;
  }
}
