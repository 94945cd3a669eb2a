import { readFileSync } from 'node:fs';
import type { Bus } from '../bus/bus.ts';
import { LocalBus } from '../bus/local-bus.ts';
import type { ServerConfig } from '../config.ts';
import { openStore } from '../db/open.ts';
import type { Store } from '../db/store.ts';
import { createLogger } from '../logger.ts';
import type { PoolStats } from '../db/mysql-pool.ts';
import { reporter } from '../report.ts';
import type { ServerMetrics } from '../server/metrics.ts';
import { ChatServer } from '../server/server.ts';

// Redis (the cluster bus), prom-client (metrics) and the MySQL driver are imported only when the
// configuration asks for them. Every module costs start-up time under tsx, and the redis client
// alone is over a thousand files, which a single SQLite node never needs (the login-storm
// scenario measures the time to `listening`).

const STOP_TIMEOUT_MS = 10_000;

/** Runs a node until SIGINT/SIGTERM, then stops gracefully (see ChatServer.stop). */
export async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.nodeId);
  // Set once the store is open (the pool figures read it). The checkpoint thread starts with the
  // first message batch, so its errors come later still.
  let metrics: ServerMetrics | undefined;
  const onCheckpointError = reporter(log, 'warn', 'SQLite checkpoint thread failed', { count: () => metrics?.checkpointErrors.inc() });
  const store = await openStore(config.db, { pool: config.dbPool, log, onCheckpointError });
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const redis = config.redis === undefined
    ? undefined
    : (await import('../bus/redis-transport.ts')).parseRedisUrl(config.redis, config.redisCluster);
  // The gauges read the server at scrape time; it exists by the time anyone can scrape.
  let server: ChatServer | undefined;
  metrics = config.metricsPort === undefined ? undefined : new (await import('../server/metrics.ts')).ServerMetrics(config.nodeId, {
    connections: () => server?.connectionCount ?? 0,
    sessions: () => server?.sessionCount ?? 0,
    pool: await poolSource(config.db, store),
  });
  let bus: Bus;
  try {
    bus = redis === undefined ? new LocalBus() : await (await import('../bus/redis-bus.ts')).RedisBus.connect(redis, {
      nodeId: config.nodeId, prefix: config.redisPrefix, presenceTtlMs: config.presenceTtlMs, log,
      onDelivery: metrics && ((lagMs) => metrics?.busLag.observe(lagMs / 1000)),
      onMalformed: reporter(log, 'warn', 'dropped a bus envelope it cannot read', { count: () => metrics?.busMalformed.inc() }),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  server = new ChatServer({ config, store, bus, log, tls, metrics });
  const address = await server.listen();
  const running = server;
  // Logged before `listening`, so whoever waits for that line already knows the metrics port.
  const http = metrics && (await (await import('../server/metrics-http.ts')).startMetricsServer(
    config.metricsHost, config.metricsPort!, metrics, () => running.accepting));
  if (http) log.info({ host: config.metricsHost, port: http.port }, 'metrics listening');
  log.info({
    host: address.address, port: address.port, tls: Boolean(tls), db: redactDb(config.db),
    bus: config.redis === undefined ? 'local' : redactDb(config.redis), ...(redis ? { sharded: redis.cluster } : {}),
    ...(config.proxyProtocol ? { trustedProxies: config.trustedProxies } : {}),
  }, 'listening');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      // A second signal during the stop is ignored: the stop is bounded by STOP_TIMEOUT_MS anyway.
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping');
      setTimeout(() => {
        log.error('graceful stop took too long; exiting');
        process.exit(1);
      }, STOP_TIMEOUT_MS).unref();
      http?.server.close();
      running.stop().then(resolve, (err) => {
        log.error({ err }, 'stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log.info('stopped');
}

/** The MySQL pool's figures for the metrics; a SQLite store has no pool. */
async function poolSource(db: string, store: Store): Promise<(() => PoolStats) | undefined> {
  if (!db.startsWith('mysql://')) return undefined;
  const { MysqlStore } = await import('../db/mysql-store.ts'); // already loaded by openStore
  return store instanceof MysqlStore ? () => store.poolStats() : undefined;
}

/** A MySQL URL may carry a password. */
function redactDb(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
