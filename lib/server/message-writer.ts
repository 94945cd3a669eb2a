import type { AppendResult, NewMessage, Store } from '../db/store.ts';
import type { AppendDone, Stored } from './context.ts';

interface Pending {
  message: NewMessage;
  done: AppendDone;
}

const MAX_BATCH = 1000;

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
}

/**
 * Group commit: every message queued within one tick goes to the store as one batch (one
 * transaction), and each sender is told once its batch commits. One batch is in flight at
 * a time; what arrives meanwhile forms the next one.
 */
export class MessageWriter {
  private queue: Pending[] = [];
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
      this.inFlight = this.commit().finally(() => {
        this.inFlight = null;
        if (this.queue.length > 0) this.schedule();
      });
    });
  }

  private async commit(): Promise<void> {
    const batch = this.queue.length <= MAX_BATCH ? this.queue : this.queue.slice(0, MAX_BATCH);
    this.queue = this.queue.length <= MAX_BATCH ? [] : this.queue.slice(MAX_BATCH);
    const messages = new Array<NewMessage>(batch.length);
    for (let i = 0; i < batch.length; i++) messages[i] = batch[i]!.message;
    let results: AppendResult[] | null = null;
    let failure: Error | null = null;
    try {
      results = await this.store.appendMessages(messages);
    } catch (err) {
      failure = err as Error;
    }
    if (results !== null) {
      this.batches++;
      this.messages += batch.length;
      this.hooks.onBatch?.(batch.length);
    }
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]!;
      // One caller's failing callback must not keep the rest of the batch from its answer.
      try {
        if (results === null) {
          p.done(failure, null);
          continue;
        }
        const r = results[i];
        if (!r) p.done(new Error(`store returned ${results.length} results for ${batch.length} messages`), null);
        else if (r.ok) p.done(null, { seq: r.seq, ts: r.ts, duplicate: r.duplicate });
        else p.done(r.error, null);
      } catch (err) {
        this.hooks.onCallbackError?.(err);
      }
    }
    this.hooks.afterBatch?.();
  }

  /** Resolves when everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise((r) => setImmediate(r)));
    }
  }
}
