import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../db/mysql-pool.ts';

/** Where the gauges read their values at scrape time; nothing is computed between scrapes. */
export interface MetricSources {
  connections: () => number;
  sessions: () => number;
  /** the MySQL pool's figures, when the store has a pool */
  pool?: (() => PoolStats) | undefined;
}

/**
 * A node's figures in Prometheus text (prom-client). Counters are bumped once per batch or bus
 * event, never per recipient, so the hot path pays a few additions. Rates (messages per second)
 * are what Prometheus computes from the counters: rate(chat_messages_stored_total[1m]).
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly messagesStored: Counter;
  readonly framesPushed: Counter;
  readonly busPublished: Counter;
  readonly busDelivered: Counter;
  readonly busLag: Histogram;
  readonly batchSize: Histogram;
  readonly batchErrors: Counter<'reason'>;
  readonly internalErrors: Counter<'where'>;
  readonly busMalformed: Counter;
  readonly checkpointErrors: Counter;

  constructor(nodeId: string, sources: MetricSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: nodeId });
    new Gauge({ name: 'chat_connections', help: 'open client connections', registers, collect() { this.set(sources.connections()); } });
    new Gauge({ name: 'chat_sessions', help: 'logged-in connections', registers, collect() { this.set(sources.sessions()); } });
    this.messagesStored = new Counter({ name: 'chat_messages_stored_total', help: 'messages committed (in)', registers });
    this.framesPushed = new Counter({ name: 'chat_frames_pushed_total', help: 'push frames written to sessions (out)', registers });
    this.busPublished = new Counter({ name: 'chat_bus_published_total', help: 'events this node published on the bus', registers });
    this.busDelivered = new Counter({ name: 'chat_bus_delivered_total', help: 'bus events delivered to this node (its own included)', registers });
    this.busLag = new Histogram({
      name: 'chat_bus_lag_seconds', help: 'from publish on another node to delivery here (by the publisher\'s clock)', registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    });
    this.batchSize = new Histogram({
      name: 'chat_store_batch_size', help: 'messages per group commit', registers, buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000],
    });
    this.batchErrors = new Counter({
      name: 'chat_batch_errors_total', labelNames: ['reason'], registers,
      help: 'group commits that failed; their unanswered messages got an error reply (store: the store failed; internal: a bug)',
    });
    this.internalErrors = new Counter({
      name: 'chat_internal_errors_total', labelNames: ['where'], registers,
      help: 'exceptions caught on the hot path (message_callback: a stored message\'s reply; bus_delivery: writing a bus event to sessions)',
    });
    this.busMalformed = new Counter({ name: 'chat_bus_malformed_total', help: 'bus envelopes dropped because they could not be read (Redis bus)', registers });
    this.checkpointErrors = new Counter({ name: 'chat_checkpoint_errors_total', help: 'failures of the SQLite checkpoint thread (SQLite only)', registers });
    // Zero samples from the start, so a rate() over them has a baseline.
    for (const reason of ['store', 'internal']) this.batchErrors.inc({ reason }, 0);
    for (const where of ['message_callback', 'bus_delivery']) this.internalErrors.inc({ where }, 0);
    if (sources.pool) {
      const pool = sources.pool;
      const figure = (name: string, help: string, read: (s: PoolStats) => number) =>
        new Gauge({ name: `chat_db_pool_${name}`, help, registers, collect() { this.set(read(pool())); } });
      figure('size', 'open connections, and those being opened', (s) => s.size);
      figure('borrowed', 'connections in use', (s) => s.borrowed);
      figure('available', 'idle connections', (s) => s.available);
      figure('pending', 'callers waiting for a connection', (s) => s.pending);
      figure('min', 'the pool\'s minimum', (s) => s.min);
      figure('max', 'the pool\'s maximum', (s) => s.max);
      figure('down', '1 while the database cannot be reached', (s) => (s.down ? 1 : 0));
      figure('acquired', 'connections handed out since start', (s) => s.acquired);
      figure('acquire_seconds', 'time callers waited for a connection since start', (s) => s.acquireMsTotal / 1000);
    }
  }
}
