// What is live but never stored: typing notices and read receipts. Both are rate-limited per
// node, in memory, with an injected clock and timer so their tests need no sleeps.

/** At most one typing notice per 2 s per session and conversation (the rest are dropped). */
export const TYPING_INTERVAL_MS = 2000;
/** At most one receipt push per second per conversation and reader; the last one always goes. */
export const RECEIPT_INTERVAL_MS = 1000;
// Entries older than the interval say nothing; past this many the map is swept of them.
const SWEEP_AT = 10_000;

export interface Clock {
  now(): number;
  /** runs fn once after ms; the handle is unref'd so a pending receipt never holds a stop */
  later(ms: number, fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  later: (ms, fn) => void setTimeout(fn, ms).unref(),
};

export class TypingGate {
  private readonly last = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  /** True when this session's typing notice for the conversation may go out now. */
  allow(sessionId: string, conversationId: number): boolean {
    const now = this.clock.now();
    const key = `${sessionId}/${conversationId}`;
    const last = this.last.get(key);
    if (last !== undefined && now - last < TYPING_INTERVAL_MS) return false;
    if (this.last.size >= SWEEP_AT) {
      for (const [k, t] of this.last) if (now - t >= TYPING_INTERVAL_MS) this.last.delete(k);
    }
    this.last.set(key, now);
    return true;
  }
}

/**
 * Coalesces a reader's read-cursor moves of one conversation to one `deliver` per interval:
 * the first move goes at once and opens a window; moves within it wait for its end, when only
 * the highest seq goes (and opens the next window), so the peer always ends on the latest read
 * position. A window that saw no move is forgotten at its end.
 */
export class ReceiptThrottle {
  /** key → the highest seq waiting for the window's end (and how to deliver it), or null */
  private readonly windows = new Map<string, { seq: number; deliver: (seq: number) => void } | null>();
  constructor(private readonly clock: Clock) {}

  /** `deliver` sends the receipt; the latest one given is used for a trailing receipt. */
  moved(conversationId: number, readerId: number, seq: number, deliver: (seq: number) => void): void {
    const key = `${conversationId}/${readerId}`;
    if (this.windows.has(key)) {
      this.windows.set(key, { seq: Math.max(this.windows.get(key)?.seq ?? 0, seq), deliver });
      return;
    }
    this.open(key, seq, deliver);
  }

  private open(key: string, seq: number, deliver: (seq: number) => void): void {
    this.windows.set(key, null);
    deliver(seq);
    this.clock.later(RECEIPT_INTERVAL_MS, () => {
      const pending = this.windows.get(key);
      this.windows.delete(key);
      if (pending) this.open(key, pending.seq, pending.deliver);
    });
  }
}
