// Two `chat serve` nodes on one MySQL database and one Redis bus: the cluster scenarios' server.
import { startChat, type ChatOptions, type Running } from './harness.ts';
import type { BenchRedis } from './redis.ts';

export interface RunningCluster {
  /** the senders' node */
  a: Running;
  /** the receivers' node: every message reaches it over the bus */
  b: Running;
  stop(): Promise<void>;
}

export async function startCluster(mysqlUrl: string, redis: BenchRedis, options: ChatOptions & { args: string[] }): Promise<RunningCluster> {
  const node = (id: string) => startChat(mysqlUrl, { ...options, args: [...options.args, '--redis', redis.url, '--redis-prefix', redis.prefix, '--node-id', id] });
  const a = await node('bench-a');
  let b: Running;
  try {
    b = await node('bench-b');
  } catch (err) {
    await a.stop();
    throw err;
  }
  return { a, b, stop: async () => void (await Promise.all([a.stop(), b.stop()])) };
}
