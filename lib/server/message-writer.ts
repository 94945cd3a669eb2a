import type { AppendResult, NewMessage, Store } from '../db/store.ts';

type Stored = { seq: number; ts: number; duplicate: boolean };
interface Pending {
  message: NewMessage;
  resolve: (r: Stored) => void;
  reject: (e: Error) => void;
}

const MAX_BATCH = 1000;

/**
 * Group commit: every message queued within one tick goes to the store as one batch (one
 * transaction), and each sender is acked once its batch commits. One batch is in flight at
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
    /** called once per committed batch with its size (metrics) */
    private readonly onBatch: (size: number) => void = () => {},
  ) {}

  append(message: NewMessage): Promise<Stored> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      this.schedule();
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
    let results: AppendResult[];
    try {
      results = await this.store.appendMessages(batch.map((p) => p.message));
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
      return;
    }
    this.batches++;
    this.messages += batch.length;
    this.onBatch(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const r = results[i];
      if (!r) batch[i]!.reject(new Error(`store returned ${results.length} results for ${batch.length} messages`));
      else if (r.ok) batch[i]!.resolve({ seq: r.seq, ts: r.ts, duplicate: r.duplicate });
      else batch[i]!.reject(r.error);
    }
  }

  /** Resolves when everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight || this.scheduled) {
      await (this.inFlight ?? new Promise((r) => setImmediate(r)));
    }
  }
}
