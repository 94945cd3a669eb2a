import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

// SQLite's automatic checkpoint runs inside whichever COMMIT crosses the threshold (1000 pages by
// default), on the event loop: it copies the WAL back into the database and fsyncs, and that
// stall set the p99 of every traffic scenario. Here a worker thread with its own
// connection runs PASSIVE checkpoints on a timer and does the bulk of the copying off the loop.
// PASSIVE never takes the write lock, so it does not hold up commits.
//
// A PASSIVE pass cannot finish while the writer keeps appending, and the WAL only starts over
// from the top after a pass that backfilled everything, so under steady load the WAL would grow
// without bound. The backstop is SQLite's
// own automatic checkpoint at a higher threshold: on the writer's thread, between transactions,
// and it only has to copy what the thread has not copied yet. It finds the checkpoint lock taken
// while the thread is mid-pass (and tries again at the next commit), so the thread stands aside
// once it sees the WAL past the backstop.
// What an ack promises is unchanged: the transaction is in the WAL (synchronous=NORMAL).
//
// The backstop still stalls the loop: it fsyncs the WAL and the database, and that costs in
// proportion to what was written since the thread's last pass, not to the size of the WAL. So
// the thread passes often while the WAL is moving (every 25 ms), and the backstop is high (16000
// pages: a WAL of up to ~16 MiB with the 1 KiB pages of a new file, ~64 MiB with 4 KiB pages) so
// it comes rarely. A higher backstop makes stalls rarer but longer; `npm run bench:store` prints
// the share of stalled batches per shape, and docs/performance-notes.md has the settings tried.
// An idle database is looked at every 500 ms.
const BUSY_INTERVAL_MS = 25;
const IDLE_INTERVAL_MS = 500;
export const BACKSTOP_CHECKPOINT_PAGES = 16000;
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.postMessage('ready');
let timer = null;
let lastLog = -1;
const tick = () => {
  // Past the backstop the writer's own automatic checkpoint is due, and only it can start the WAL
  // over. A pass here would hold the checkpoint lock, the writer's attempt would fail (BUSY, and
  // SQLite just tries again at the next commit), and on a loaded machine the WAL grew on past the
  // backstop. So stand aside for one interval.
  if (lastLog >= workerData.backstopPages) {
    lastLog = -1;
    timer = setTimeout(tick, workerData.busyMs);
    return;
  }
  let moving = false;
  try {
    // A few rounds catch up with what the writer added during the previous one.
    for (let i = 0; i < 4; i++) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)');
      if (!r) break;
      if (r.log !== lastLog) moving = true;
      lastLog = r.log;
      if (r.busy || r.log <= r.checkpointed || r.log >= workerData.backstopPages) break;
    }
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
  timer = setTimeout(tick, moving ? workerData.busyMs : workerData.idleMs);
};
timer = setTimeout(tick, workerData.idleMs);
parentPort.on('message', () => {
  clearTimeout(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

/**
 * A failed pass (the thread goes on trying), or the thread itself failed (`fatal`: it is gone,
 * and the writer's backstop checkpoint is all that is left). Called for each one.
 */
export type CheckpointErrorReport = (fields: { error: string; fatal: boolean }) => void;

/**
 * The checkpoint thread of one database file. Checkpointing is an optimisation (SQLite
 * checkpoints at the backstop and at close anyway), so its failures cost no commit: they are
 * reported, never thrown.
 */
export class Checkpointer {
  private ready = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    onError: CheckpointErrorReport | undefined,
  ) {
    // Listened for from the start: a thread that dies early has exited before stop() asks.
    this.exited = new Promise<void>((done) => worker.once('exit', () => done()));
    worker.on('error', (err) => onError?.({ error: describe(err), fatal: true }));
    worker.on('message', (m: unknown) => {
      if (m === 'ready') this.ready = true;
      else onError?.({ error: String((m as { error?: unknown })?.error), fatal: false });
    });
    worker.unref();
  }

  static start(path: string, onError?: CheckpointErrorReport): Checkpointer | null {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const workerData = {
        driver, path: resolve(path), busyMs: BUSY_INTERVAL_MS, idleMs: IDLE_INTERVAL_MS, backstopPages: BACKSTOP_CHECKPOINT_PAGES,
      };
      return new Checkpointer(new Worker(CHECKPOINT_WORKER, { eval: true, workerData }), onError);
    } catch (err) {
      onError?.({ error: describe(err), fatal: true });
      return null;
    }
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    // A thread still starting up has no connection worth closing cleanly.
    if (this.ready) worker.postMessage('stop');
    else void worker.terminate();
    const timer = setTimeout(() => void worker.terminate(), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A SqliteError thrown in the thread arrives here as a plain object that kept only its code. */
function describe(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown } | null;
  return String(e?.message ?? e?.code ?? err);
}
