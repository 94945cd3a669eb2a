import { readFileSync } from 'node:fs';
import type { Bus } from '../bus/bus.ts';
import { LocalBus } from '../bus/local-bus.ts';
import { RedisBus } from '../bus/redis-bus.ts';
import { parseRedisUrl } from '../bus/redis-transport.ts';
import type { ServerConfig } from '../config.ts';
import { openStore } from '../db/open.ts';
import { createLogger } from '../logger.ts';
import { MysqlStore } from '../db/mysql-store.ts';
import { startMetricsServer } from '../server/metrics-http.ts';
import { ServerMetrics } from '../server/metrics.ts';
import { ChatServer } from '../server/server.ts';

const STOP_TIMEOUT_MS = 10_000;

/** Runs a node until SIGINT/SIGTERM, then stops gracefully (see ChatServer.stop). */
export async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.nodeId);
  const store = await openStore(config.db, { pool: config.dbPool, log });
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const redis = config.redis === undefined ? undefined : parseRedisUrl(config.redis, config.redisCluster);
  // The gauges read the server at scrape time; it exists by the time anyone can scrape.
  let server: ChatServer | undefined;
  const metrics = config.metricsPort === undefined ? undefined : new ServerMetrics(config.nodeId, {
    connections: () => server?.connectionCount ?? 0,
    sessions: () => server?.sessionCount ?? 0,
    pool: store instanceof MysqlStore ? () => store.poolStats() : undefined,
  });
  let bus: Bus;
  try {
    bus = redis === undefined ? new LocalBus() : await RedisBus.connect(redis, {
      nodeId: config.nodeId, prefix: config.redisPrefix, presenceTtlMs: config.presenceTtlMs, log,
      onDelivery: metrics && ((lagMs) => metrics.busLag.observe(lagMs / 1000)),
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  server = new ChatServer({ config, store, bus, log, tls, metrics });
  const address = await server.listen();
  const running = server;
  // Logged before `listening`, so whoever waits for that line already knows the metrics port.
  const http = metrics && (await startMetricsServer(config.metricsHost, config.metricsPort!, metrics, () => running.accepting));
  if (http) log.info({ host: config.metricsHost, port: http.port }, 'metrics listening');
  log.info({
    host: address.address, port: address.port, tls: Boolean(tls), db: redactDb(config.db),
    bus: config.redis === undefined ? 'local' : redactDb(config.redis), ...(redis ? { sharded: redis.cluster } : {}),
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

/** A MySQL URL may carry a password. */
function redactDb(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
