import { readFileSync } from 'node:fs';
import type { Bus } from '../bus/bus.ts';
import { LocalBus } from '../bus/local-bus.ts';
import { RedisBus } from '../bus/redis-bus.ts';
import { parseRedisUrl } from '../bus/redis-transport.ts';
import type { ServerConfig } from '../config.ts';
import { openStore } from '../db/open.ts';
import { createLogger } from '../logger.ts';
import { ChatServer } from '../server/server.ts';

const STOP_TIMEOUT_MS = 10_000;

/** Runs a node until SIGINT/SIGTERM, then stops gracefully (see ChatServer.stop). */
export async function serve(config: ServerConfig): Promise<void> {
  const log = createLogger(config.logLevel, config.nodeId);
  const store = await openStore(config.db, { pool: config.dbPool, log });
  const tls = config.tlsCert && config.tlsKey ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } : undefined;
  const redis = config.redis === undefined ? undefined : parseRedisUrl(config.redis, config.redisCluster);
  let bus: Bus;
  try {
    bus = redis === undefined ? new LocalBus() : await RedisBus.connect(redis, {
      nodeId: config.nodeId, prefix: config.redisPrefix, presenceTtlMs: config.presenceTtlMs, log,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  const server = new ChatServer({ config, store, bus, log, tls });
  const address = await server.listen();
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
      server.stop().then(resolve, (err) => {
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
