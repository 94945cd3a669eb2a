// The MySQL connection pool: generic-pool for the bookkeeping, mysql2 connections inside, and
// the seed's four knobs (min, max, idle time, acquire timeout). What generic-pool leaves to us:
// - idleTimeoutMillis would evict below `min`; only softIdleTimeoutMillis is used, and it is
//   inert unless evictionRunIntervalMillis is set.
// - a failing create() is retried by the pool at once, in a tight loop while the database is
//   down (coopernurse/node-pool#175), so create() backs off by itself.
// - while the database is down, callers are answered at once with CHAT_ERR_DB_UNAVAILABLE
//   instead of each waiting out the acquire timeout, and one probe at a time reconnects.
// A connection always goes back: `use` releases in `finally`, and a connection that broke, or
// whose transaction could not be rolled back, is destroyed instead of handed to the next caller.
import { createPool, type Pool } from 'generic-pool';
import mysql from 'mysql2/promise';
import type { DbPoolConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { ChatError } from '../protocol/errors.ts';
import { isConnectionError, isLockConflict, isServerFull, neverSent, toStoreError } from './mysql-errors.ts';
import type { MysqlTarget } from './mysql-url.ts';

export type Connection = mysql.Connection;

/** read: no side effect. idempotent: running it twice equals once. write: anything else. */
export type Safety = 'read' | 'idempotent' | 'write';

/** A connection used this recently is trusted without a ping (HikariCP does the same). */
const TRUST_RECENTLY_USED_MS = 1_000;
const PING_TIMEOUT_MS = 2_000;
const END_TIMEOUT_MS = 1_000;
const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 2_000;
/** Deadlocks are resolved by re-running; more than this many in a row is reported as busy. */
const MAX_LOCK_RETRIES = 3;
/** Each connection keeps at most this many prepared statements (the server caps the total). */
const MAX_PREPARED_PER_CONNECTION = 64;

export interface PoolStats {
  /** open connections plus those being opened */
  size: number;
  min: number;
  max: number;
  /** lent out to a caller right now */
  borrowed: number;
  /** idle in the pool */
  available: number;
  /** callers waiting for a connection */
  pending: number;
  /** the last attempt to connect failed; callers get CHAT_ERR_DB_UNAVAILABLE at once */
  down: boolean;
  // counters since start
  acquired: number;
  acquireMsTotal: number;
  busy: number;
  unavailable: number;
  created: number;
  createFailures: number;
  destroyed: number;
}

class Link {
  dead = false;
  lastUsed = Date.now();
  constructor(readonly conn: Connection, readonly threadId: number) {}
}

export class MysqlPool {
  private readonly pool: Pool<Link>;
  private down = false;
  private failuresInARow = 0;
  private closing = false;
  private closed: Promise<void> | null = null;
  private probing: Promise<void> | null = null;
  private readonly failWaiters = new Set<(err: Error) => void>();
  private readonly sleepers = new Set<() => void>();
  private logTimer: NodeJS.Timeout | null = null;
  private readonly counters = { acquired: 0, acquireMsTotal: 0, busy: 0, unavailable: 0, created: 0, createFailures: 0, destroyed: 0 };
  private window = { acquired: 0, msTotal: 0, msMax: 0 };

  constructor(
    private readonly target: MysqlTarget,
    private readonly settings: DbPoolConfig,
    private readonly log?: Logger,
  ) {
    this.pool = createPool<Link>(
      {
        create: () => this.create(),
        destroy: (link) => this.destroy(link),
        validate: (link) => this.validate(link),
      },
      {
        min: settings.min,
        max: settings.max,
        acquireTimeoutMillis: settings.acquireTimeoutMs,
        testOnBorrow: true,
        softIdleTimeoutMillis: settings.idleMs,
        // The default (30 s) would also close the `min` connections; never let it fire.
        idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
        evictionRunIntervalMillis: Math.min(5_000, Math.max(50, Math.floor(settings.idleMs / 4))),
        numTestsPerEvictionRun: settings.max,
        autostart: false,
      },
    );
  }

  /** Opens the `min` connections; throws CHAT_ERR_DB_UNAVAILABLE if the first of them fails. */
  async start(): Promise<void> {
    this.pool.start();
    const deadline = Date.now() + this.settings.acquireTimeoutMs + 10_000;
    while (this.pool.available + this.pool.borrowed < this.settings.min) {
      if (this.down) {
        await this.close();
        throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', `cannot connect to MySQL at ${this.target.host}:${this.target.port}`);
      }
      if (Date.now() > deadline) {
        await this.close();
        throw new ChatError('CHAT_ERR_DB_UNAVAILABLE', 'the initial pool connections did not open in time');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    if (this.log && this.settings.logIntervalMs > 0) {
      this.logTimer = setInterval(() => this.logStats(), this.settings.logIntervalMs);
      this.logTimer.unref();
    }
  }

  stats(): PoolStats {
    return {
      size: this.pool.size,
      min: this.pool.min,
      max: this.pool.max,
      borrowed: this.pool.borrowed,
      available: this.pool.available,
      pending: this.pool.pending,
      down: this.down,
      ...this.counters,
    };
  }

  private logStats(): void {
    const w = this.window;
    this.window = { acquired: 0, msTotal: 0, msMax: 0 };
    this.log?.info({
      dbPool: {
        ...this.stats(),
        acquireMsAvg: w.acquired ? Math.round((w.msTotal / w.acquired) * 100) / 100 : 0,
        acquireMsMax: Math.round(w.msMax * 100) / 100,
      },
    }, 'db pool');
  }

  /**
   * Runs `fn` on a pooled connection, with the retry policy of its safety class: a lost
   * connection is replaced and a read or idempotent call is run once more; a deadlock rolled
   * the work back, so any call is re-run; a plain write whose command may have reached the
   * server is never re-run (the client sees CHAT_ERR_DB_UNAVAILABLE and may retry itself).
   */
  async run<T>(safety: Safety, fn: (conn: Connection) => Promise<T>): Promise<T> {
    let connectionRetries = 0;
    let lockRetries = 0;
    for (;;) {
      try {
        return await this.use(fn);
      } catch (err) {
        if (err instanceof ChatError) throw err;
        if (isLockConflict(err) && lockRetries++ < MAX_LOCK_RETRIES) continue;
        if (isConnectionError(err) && connectionRetries++ === 0 && (safety !== 'write' || neverSent(err))) {
          this.log?.warn({ err: describe(err) }, 'db connection lost; retrying on another');
          continue;
        }
        throw toStoreError(err);
      }
    }
  }

  /** `run` inside BEGIN … COMMIT; anything thrown rolls back first. */
  transaction<T>(safety: Safety, fn: (conn: Connection) => Promise<T>): Promise<T> {
    return this.run(safety, (conn) => inTransaction(conn, fn));
  }

  /** One attempt: borrow, run, and always give the connection back (or destroy it if it broke). */
  async use<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const link = await this.acquire();
    try {
      return await fn(link.conn);
    } catch (err) {
      if (isConnectionError(err) || (err as { rollbackFailed?: boolean } | null)?.rollbackFailed) link.dead = true;
      throw err;
    } finally {
      link.lastUsed = Date.now();
      if (link.dead) await this.pool.destroy(link).catch(() => {});
      else await this.pool.release(link).catch(() => {});
    }
  }

  private acquire(): Promise<Link> {
    if (this.closing) return Promise.reject(new ChatError('CHAT_ERR_DB_UNAVAILABLE', 'the store is closed'));
    if (this.down) {
      this.counters.unavailable++;
      this.probe();
      return Promise.reject(new ChatError('CHAT_ERR_DB_UNAVAILABLE'));
    }
    const started = performance.now();
    const borrowing = this.pool.acquire();
    return new Promise<Link>((resolve, reject) => {
      let settled = false;
      const failFast = (err: Error) => {
        if (settled) return;
        settled = true;
        this.counters.unavailable++;
        reject(err);
      };
      this.failWaiters.add(failFast);
      borrowing.then(
        (link) => {
          this.failWaiters.delete(failFast);
          // Given up on already (the database went down meanwhile): this loan goes straight back.
          if (settled) return void this.pool.release(link).catch(() => {});
          settled = true;
          const ms = performance.now() - started;
          this.counters.acquired++;
          this.counters.acquireMsTotal += ms;
          this.window.acquired++;
          this.window.msTotal += ms;
          this.window.msMax = Math.max(this.window.msMax, ms);
          resolve(link);
        },
        (err: Error) => {
          this.failWaiters.delete(failFast);
          if (settled) return;
          settled = true;
          if (err.name === 'TimeoutError') {
            if (this.down) {
              this.counters.unavailable++;
              reject(new ChatError('CHAT_ERR_DB_UNAVAILABLE'));
            } else {
              this.counters.busy++;
              reject(new ChatError('CHAT_ERR_DB_BUSY', `no database connection free within ${this.settings.acquireTimeoutMs} ms`));
            }
          } else {
            reject(new ChatError('CHAT_ERR_DB_UNAVAILABLE', err.message));
          }
        },
      );
    });
  }

  private async create(): Promise<Link> {
    // generic-pool calls create() again at once after a failure while anyone waits: every
    // attempt is therefore delayed here, even while closing, so that loop can never spin.
    if (this.failuresInARow > 0 && !this.closing) await this.sleep(this.backoffMs());
    if (this.closing) {
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('the pool is closing');
    }
    let conn: Connection;
    try {
      conn = await this.connect();
    } catch (err) {
      this.markDown(err);
      throw err;
    }
    const link = new Link(conn, conn.threadId ?? 0);
    // Without a listener, an error on an idle connection (server restart, KILL) would crash us.
    conn.on('error', () => (link.dead = true));
    conn.on('end', () => (link.dead = true));
    this.counters.created++;
    this.markUp();
    return link;
  }

  private async connect(): Promise<Connection> {
    let conn: Connection | undefined;
    try {
      conn = await mysql.createConnection({
        host: this.target.host,
        port: this.target.port,
        user: this.target.user,
        password: this.target.password,
        database: this.target.database,
        charset: 'utf8mb4_bin',
        connectTimeout: Math.max(1_000, Math.min(10_000, this.settings.acquireTimeoutMs)),
        maxPreparedStatements: MAX_PREPARED_PER_CONNECTION,
        // TripBuilder sends a batch's statements in one round trip. Every statement of this
        // program takes its values as placeholders, which the driver escapes, or as integers and
        // hex it wrote itself (mysql-search.ts), so no text from a client ends a statement.
        multipleStatements: true,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
      });
      // Each statement sees what is committed; seq order is enforced by row locks (docs/mysql.md).
      await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
      // group_concat_max_len: a message's mention names are read as one GROUP_CONCAT (shared-sql.ts),
      // and MySQL 8's default (1024 bytes) would cut 50 long names short; MariaDB's is 1 MiB.
      await conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', group_concat_max_len = 1048576");
      return conn;
    } catch (err) {
      conn?.destroy();
      throw err;
    }
  }

  private backoffMs(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, this.failuresInARow - 1));
  }

  private markDown(err: unknown): void {
    this.counters.createFailures++;
    // A full server is busy, not down: callers wait for a free connection as usual.
    if (isServerFull(err)) return;
    this.failuresInARow++;
    if (!this.down) this.log?.error({ err: describe(err) }, 'database unreachable');
    this.down = true;
    // Nobody waits out the acquire timeout for a database that is not there.
    const unavailable = new ChatError('CHAT_ERR_DB_UNAVAILABLE');
    for (const fail of this.failWaiters) fail(unavailable);
    this.failWaiters.clear();
    this.probe();
  }

  private markUp(): void {
    if (this.down) this.log?.info('database reachable again');
    this.down = false;
    this.failuresInARow = 0;
  }

  private async validate(link: Link): Promise<boolean> {
    if (link.dead) return false;
    if (Date.now() - link.lastUsed < TRUST_RECENTLY_USED_MS) return true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        link.conn.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS))),
      ]);
      link.lastUsed = Date.now();
      return true;
    } catch {
      link.dead = true;
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  private async destroy(link: Link): Promise<void> {
    this.counters.destroyed++;
    if (link.dead) {
      link.conn.destroy();
      return;
    }
    link.dead = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([link.conn.end(), new Promise((resolve) => (timer = setTimeout(resolve, END_TIMEOUT_MS)))]);
    } catch {
      // closing anyway
    } finally {
      clearTimeout(timer);
      link.conn.destroy();
    }
  }

  /**
   * While down: one connection attempt at a time, backed off, outside the pool (so no caller
   * is kept waiting and close() is never held up). Once one succeeds, `min` is refilled.
   */
  private probe(): void {
    if (this.probing || this.closing) return;
    this.probing = (async () => {
      while (this.down && !this.closing) {
        await this.sleep(this.backoffMs());
        if (!this.down || this.closing) break;
        try {
          const conn = await this.connect();
          await conn.end().catch(() => conn.destroy());
          this.markUp();
        } catch (err) {
          this.markDown(err);
        }
      }
      if (!this.closing) await this.refill();
    })().finally(() => {
      this.probing = null;
    });
  }

  /** generic-pool restores `min` only after a destroy; after an outage we do it ourselves. */
  private async refill(): Promise<void> {
    const missing = this.settings.min - this.pool.size;
    if (missing <= 0) return;
    const links = await Promise.allSettled(Array.from({ length: missing }, () => this.pool.acquire()));
    for (const r of links) if (r.status === 'fulfilled') await this.pool.release(r.value).catch(() => {});
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Drains: waits for every borrowed connection to come back, then closes them all. Idempotent. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing = true;
      if (this.logTimer) clearInterval(this.logTimer);
      for (const wake of this.sleepers) wake();
      await this.probing;
      await this.pool.drain();
      await this.pool.clear();
    })();
    return this.closed;
  }
}

/** BEGIN, fn, COMMIT; on any error ROLLBACK, and if even that fails the connection is marked unusable. */
/**
 * Statements sent together as one multi-statement query: one round trip for all of them. The
 * server runs them in order and stops at the first that fails, whose error rejects `send`; a
 * transaction the trip began is then still open, for the caller to roll back.
 */
export class TripBuilder {
  private readonly statements: string[] = [];
  private readonly params: (string | number | null)[] = [];

  /** Adds a statement; returns its index in what `send` resolves to. */
  add(sql: string, params: readonly (string | number | null)[]): number {
    this.statements.push(sql);
    for (const p of params) this.params.push(p);
    return this.statements.length - 1;
  }

  /** One result per statement: rows for a SELECT, a header for the rest. */
  async send(conn: Connection): Promise<unknown[][]> {
    if (this.statements.length === 0) return [];
    const [result] = await conn.query(this.statements.join(';\n'), this.params);
    return (this.statements.length === 1 ? [result] : result) as unknown[][];
  }
}

export async function inTransaction<T>(conn: Connection, fn: (conn: Connection) => Promise<T>): Promise<T> {
  await conn.query('START TRANSACTION');
  try {
    const result = await fn(conn);
    await conn.query('COMMIT');
    return result;
  } catch (err) {
    throw await rolledBack(conn, err);
  }
}

/**
 * Rolls back the transaction `err` interrupted and returns `err` to throw. A connection whose
 * ROLLBACK failed is left inside a transaction and must never be lent out again: the error is
 * marked so that `use` destroys it.
 */
export async function rolledBack(conn: Connection, err: unknown): Promise<unknown> {
  try {
    await conn.query('ROLLBACK');
    return err;
  } catch {
    return Object.assign(err instanceof Error ? err : new Error(String(err)), { rollbackFailed: true });
  }
}

function describe(err: unknown): { code?: unknown; errno?: unknown; message: string } {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  return { code: e?.code, errno: e?.errno, message: String(e?.message ?? err) };
}
