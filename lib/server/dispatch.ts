import type { Logger } from '../logger.ts';
import { ChatError, isErrorCode } from '../protocol/errors.ts';
import { encodedReplyFrame, errorFrame, replyFrame } from '../protocol/frames.ts';
import { ANONYMOUS_TYPES } from '../protocol/messages.ts';
import { parseRequest, type ParsedRequest, type RequestId } from '../protocol/validate.ts';
import type { Connection } from './connection.ts';
import { Deferred, EncodedResult, type HandlerContext, type HandlerTable } from './context.ts';
import type { TokenBucket } from './token-bucket.ts';

/**
 * How long one connection's requests may hold the event loop before the others get a turn.
 * With a synchronous store nothing else yields: a pipelined flood would otherwise run to its
 * end while every other connection waits.
 */
export const SLICE_MS = 2;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs one connection's requests in arrival order, each to completion before the next starts
 * (so a pipelined `login` is done before the `send` behind it). A handler that returns a
 * Deferred releases the queue early; its reply goes out when it settles. After SLICE_MS of
 * requests the queue waits for the event loop's next turn: I/O is read and answered, output
 * flushed, and queues that yielded earlier run first, so flooding connections take turns.
 */
export class RequestQueue {
  private queue: ParsedRequest[] = [];
  private running = false;
  private outstanding = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly conn: Connection,
    private readonly ctx: HandlerContext,
    private readonly handlers: HandlerTable,
    private readonly log: Logger,
    private readonly maxQueued: number,
    /** null: no rate limit */
    private readonly bucket: TokenBucket | null = null,
  ) {}

  onLine(line: string): void {
    const parsed = parseRequest(line);
    if (!parsed.ok) {
      this.conn.send(errorFrame(parsed.id, parsed.code, parsed.message));
      return;
    }
    this.queue.push(parsed.request);
    // Backpressure instead of unbounded memory: stop reading until the queue drains.
    if (this.queue.length + this.outstanding >= this.maxQueued) this.conn.pauseReading();
    if (!this.running) void this.run();
  }

  /** Calls `fn` once every accepted request has been answered. */
  whenIdle(fn: () => void): void {
    this.idleWaiters.push(fn);
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.queue.length > 0 || this.outstanding > 0 || this.running) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const fn of waiters) fn();
  }

  private async run(): Promise<void> {
    this.running = true;
    // One clock read per request serves both the slice and the rate limit.
    let sliceEnd = performance.now() + SLICE_MS;
    for (let request = this.queue.shift(); request; request = this.queue.shift()) {
      if (this.conn.closed) break;
      let now = performance.now();
      if (now >= sliceEnd) {
        await nextTurn();
        if (this.conn.closed) break;
        now = performance.now();
        sliceEnd = now + SLICE_MS;
      }
      const wait = this.bucket?.take(now) ?? 0;
      if (wait > 0) {
        this.conn.pauseReading();
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.conn.closed) break;
        sliceEnd = performance.now() + SLICE_MS;
      }
      try {
        const result = await this.invoke(request);
        if (result instanceof Deferred) {
          this.outstanding++;
          const id = request.id;
          const type = request.type;
          // These run inside whoever settles the Deferred (a batch's callbacks): a reply that
          // cannot be written still answers the request and releases its slot.
          result.settle(
            (value) => {
              try {
                this.reply(id, value);
              } catch (err) {
                this.replyError(id, type, err);
              } finally {
                this.settled();
              }
            },
            (err) => {
              try {
                this.replyError(id, type, err);
              } finally {
                this.settled();
              }
            },
          );
        } else {
          this.reply(request.id, result);
        }
      } catch (err) {
        this.replyError(request.id, request.type, err);
      }
      this.maybeResume();
    }
    this.queue = [];
    this.running = false;
    this.checkIdle();
  }

  private invoke(request: ParsedRequest): Promise<unknown> {
    if (!this.ctx.session.user && !ANONYMOUS_TYPES.has(request.type)) {
      throw new ChatError('CHAT_ERR_NOT_LOGGED_IN');
    }
    const handler = this.handlers[request.type] as (ctx: HandlerContext, body: unknown) => Promise<unknown>;
    return handler(this.ctx, request.body);
  }

  private settled(): void {
    this.outstanding--;
    this.maybeResume();
    this.checkIdle();
  }

  private maybeResume(): void {
    if (this.queue.length + this.outstanding < this.maxQueued / 2) this.conn.resumeReading();
  }

  private reply(id: RequestId, result: unknown): void {
    if (result instanceof EncodedResult) {
      this.conn.send(encodedReplyFrame(id, result.json));
      return;
    }
    this.conn.send(replyFrame(id, result));
  }

  private replyError(id: RequestId, type: string, err: unknown): void {
    if (err instanceof ChatError) {
      this.conn.send(errorFrame(id, err.code, err.message));
      return;
    }
    const code = (err as { code?: unknown })?.code;
    if (isErrorCode(code)) {
      // Stores may throw plain errors tagged with one of our codes (pool timeouts, lost connections).
      this.conn.send(errorFrame(id, code, (err as Error).message));
      return;
    }
    this.log.error({ err, type, session: this.conn.id }, 'request failed');
    this.conn.send(errorFrame(id, 'CHAT_ERR_INTERNAL', 'internal server error'));
  }
}
