// The Redis side of the cluster scenarios: a running Redis (default redis://127.0.0.1:6379, or
// CHAT_BENCH_REDIS=redis://HOST:PORT) that the two chat nodes share as their bus. Each run gets
// its own key and channel prefix, so it never hears, nor is heard by, anything else on that
// Redis; the presence keys it leaves expire on their own (their TTL).
import { listeningPid } from './proc.ts';

export const REDIS_URL = (process.env.CHAT_BENCH_REDIS ?? 'redis://127.0.0.1:6379').replace(/\/+$/, '');

export interface BenchRedis {
  url: string;
  /** `--redis-prefix` for this run's nodes */
  prefix: string;
  /** the redis-server process, when it runs on this host and can be found */
  serverPid: number | undefined;
}

let counter = 0;

/** Checks that Redis answers PING. Throws a message that says what to do when it does not. */
export async function benchRedis(): Promise<BenchRedis> {
  const { createClient } = await import('redis');
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {}); // the failed connect() below reports it
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${REDIS_URL} (${(err as Error).message || (err as { code?: string }).code}). ` +
      'The *-cluster scenarios need a running Redis (e.g. apt-get install redis-server; another server: ' +
      'CHAT_BENCH_REDIS=redis://HOST:PORT) and MySQL; leave them out to bench one node.',
    );
  } finally {
    if (client.isOpen) await client.close().catch(() => client.destroy());
  }
  const { hostname, port } = new URL(REDIS_URL);
  return {
    url: REDIS_URL,
    prefix: `chatbench:${process.pid}:${Date.now().toString(36)}:${++counter}`,
    serverPid: listeningPid(['redis-server'], hostname, Number(port || 6379)),
  };
}
