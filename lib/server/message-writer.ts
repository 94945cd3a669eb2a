import type { BatchResult, CursorMove, MoveResult, NewMessage, Store } from '../db/store.ts';
import { ChatError, isErrorCode } from '../protocol/errors.ts';
import type { AppendDone, MoveDone, Stored } from './context.ts';

interface Pending {
  message: NewMessage;
  done: AppendDone;
}

interface PendingMove {
  move: CursorMove;
  done: MoveDone;
  /** how many messages had been queued before it: it joins no batch before theirs */
  after: number;
}

const MAX_BATCH = 1000;

/** store: the store threw or rejected; internal: a hook threw, or the store's answer had the wrong shape */
export type BatchErrorReason = 'store' | 'internal';

export interface MessageWriterHooks {
  /** called once per committed batch with its size (metrics) */
  onBatch?: (size: number) => void;
  /**
   * Called after every `done` of a batch has run. The server flushes its sockets here, so the
   * acks and pushes of a batch leave in this tick instead of one event-loop turn later.
   */
  afterBatch?: () => void;
  /** a `done` callback threw: a bug, reported rather than lost */
  onCallbackError?: (error: unknown) => void;
  /**
   * A batch went wrong; the `failed` callers not answered yet got an error reply (0 when the
   * throw came after every answer). Called once per batch, however many callers it had.
   */
  onBatchError?: (error: unknown, reason: BatchErrorReason, failed: number) => void;
}

/**
 * Group commit: every message and cursor move (ack, read) queued within one tick goes to the
 * store as one batch (one transaction), and each caller is told once its batch commits. One
 * batch is in flight at a time; what arrives meanwhile forms the next one. A move never commits
 * before a message queued ahead of it, so an ack pipelined behind its send sees the seq.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private moveQueue: PendingMove[] = [];
  /** messages ever queued, and ever taken into a batch */
  private queued = 0;
  private taken = 0;
  private scheduled = false;
  private inFlight: Promise<void> | null = null;
  /** sizes of recent batches, for logs and benchmarks */
  batches = 0;
  messages = 0;

  constructor(
    private readonly store: Store,
    private readonly hooks: MessageWriterHooks = {},
  ) {}

  /** Queues a message; `done` runs once its batch has committed or failed. */
  enqueue(message: NewMessage, done: AppendDone): void {
    this.queue.push({ message, done });
    this.queued++;
    this.schedule();
  }

  /** Queues a cursor move; `done` runs once its batch has committed or failed. */
  enqueueMove(move: CursorMove, done: MoveDone): void {
    this.moveQueue.push({ move, done, after: this.queued });
    this.schedule();
  }

  append(message: NewMessage): Promise<Stored> {
    return new Promise((resolve, reject) => {
      this.enqueue(message, (err, stored) => (err ? reject(err) : resolve(stored!)));
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // commit() answers its own failures; the rejection handler is the last line of defence,
      // because a rejection nobody handles ends the process.
      const next = () => {
        this.inFlight = null;
        if (this.queue.length > 0 || this.moveQueue.length > 0) this.schedule();
      };
      this.inFlight = this.commit().then(next, (err) => {
        this.report(err, 'internal', 0);
        next();
      });
    });
  }

  /**
   * Every caller of the batch is answered exactly once, whatever throws: `next` is the first
   * one not answered yet, and a failure answers the rest with an error. A batch that failed
   * after the store committed it is answered with an error too; the client's retry with the
   * same client_msg_id then finds the message instead of storing it twice.
   */
  private async commit(): Promise<void> {
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    this.taken += batch.length;
    const moves = this.takeMoves();
    let next = 0;
    let nextMove = 0;
    let reason: BatchErrorReason = 'store'; // until the store has answered
    try {
      const messages = new Array<NewMessage>(batch.length);
      for (let i = 0; i < batch.length; i++) messages[i] = batch[i]!.message;
      const cursorMoves = new Array<CursorMove>(moves.length);
      for (let i = 0; i < moves.length; i++) cursorMoves[i] = moves[i]!.move;
      const result: BatchResult = await this.store.appendBatch(messages, cursorMoves);
      reason = 'internal';
      const results = result?.messages;
      const moved = result?.moves;
      if (!Array.isArray(results) || results.length !== batch.length || !Array.isArray(moved) || moved.length !== moves.length) {
        // With one result missing, none can be trusted to belong to its message.
        throw new Error(`store returned ${Array.isArray(results) ? results.length : typeof results} results for ${batch.length} messages`
          + ` and ${Array.isArray(moved) ? moved.length : typeof moved} for ${moves.length} moves`);
      }
      this.batches++;
      this.messages += batch.length;
      if (batch.length > 0) this.hooks.onBatch?.(batch.length);
      let malformed = 0;
      for (; next < batch.length; next++) {
        const r = results[next];
        if (r?.ok === true) {
          const members = result.members?.[next];
          this.answer(batch[next]!, null, members === undefined ? { seq: r.seq, ts: r.ts, duplicate: r.duplicate } : { seq: r.seq, ts: r.ts, duplicate: r.duplicate, members });
        } else if (r?.ok === false && r.error instanceof Error) this.answer(batch[next]!, r.error, null);
        else {
          malformed++;
          this.answer(batch[next]!, internalError(), null);
        }
      }
      for (; nextMove < moves.length; nextMove++) {
        const r: MoveResult | undefined = moved[nextMove];
        if (r?.ok === true && typeof r.seq === 'number') this.answerMove(moves[nextMove]!, null, r.seq);
        else if (r?.ok === false && r.error instanceof Error) this.answerMove(moves[nextMove]!, r.error, null);
        else {
          malformed++;
          this.answerMove(moves[nextMove]!, internalError(), null);
        }
      }
      if (malformed > 0) this.report(new Error(`store returned ${malformed} malformed results`), 'internal', malformed);
      this.hooks.afterBatch?.();
    } catch (err) {
      const failed = batch.length - next + moves.length - nextMove;
      this.report(err, reason, failed);
      if (failed === 0) return;
      // A store error with one of our codes (busy, unavailable) is the client's to see; any
      // other error was just reported, and the client gets CHAT_ERR_INTERNAL.
      const answer = reason === 'store' && isErrorCode((err as { code?: unknown } | null)?.code) ? (err as Error) : internalError();
      for (; next < batch.length; next++) this.answer(batch[next]!, answer, null);
      for (; nextMove < moves.length; nextMove++) this.answerMove(moves[nextMove]!, answer, null);
      try {
        this.hooks.afterBatch?.(); // the error replies leave now, like the acks would have
      } catch (flushErr) {
        this.report(flushErr, 'internal', 0);
      }
    }
  }

  /** The moves whose messages ahead of them are all in this batch or an earlier one, at most MAX_BATCH. */
  private takeMoves(): PendingMove[] {
    const q = this.moveQueue;
    let n = 0;
    while (n < q.length && n < MAX_BATCH && q[n]!.after <= this.taken) n++;
    if (n === 0) return [];
    if (n === q.length) {
      this.moveQueue = [];
      return q;
    }
    this.moveQueue = q.slice(n);
    return q.slice(0, n);
  }

  /** One caller's failing callback must not keep the rest of the batch from its answer. */
  private answer(p: Pending, error: Error | null, stored: Stored | null): void {
    try {
      p.done(error, stored);
    } catch (err) {
      try {
        this.hooks.onCallbackError?.(err);
      } catch {}
    }
  }

  private answerMove(p: PendingMove, error: Error | null, seq: number | null): void {
    try {
      p.done(error, seq);
    } catch (err) {
      try {
        this.hooks.onCallbackError?.(err);
      } catch {}
    }
  }

  private report(error: unknown, reason: BatchErrorReason, failed: number): void {
    try {
      this.hooks.onBatchError?.(error, reason, failed);
    } catch {} // a failing reporter must not cost the callers their answers
  }

  /** Resolves when everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.moveQueue.length > 0 || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise((r) => setImmediate(r)));
    }
  }
}

/** The details went to the batch report; the client gets what dispatch sends for any bug. */
function internalError(): ChatError {
  return new ChatError('CHAT_ERR_INTERNAL', 'internal server error');
}
