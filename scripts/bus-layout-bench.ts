// Measures RedisBus channel layouts on a private redis-server: Redis commands, publishes and
// bytes per message, and wall time, for 1:1 and 500-member group messages across 3 nodes.
//   node --import tsx scripts/bus-layout-bench.ts            (numbers go into docs/cluster.md)
import { RedisBus, type BusLayout } from '../lib/bus/redis-bus.ts';
import { parseRedisUrl } from '../lib/bus/redis-transport.ts';
import { startPrivateRedis, type PrivateRedis } from '../test/helpers/redis.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
// Messages are published in bursts of this many per tick, as busy senders would.
const BURST = 20;

function stat(redis: PrivateRedis, name: string): number {
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(redis.cli('info', 'commandstats'));
  return m ? Number(m[1]) : 0;
}
function netOut(redis: PrivateRedis): number {
  return Number(/total_net_output_bytes:(\d+)/.exec(redis.cli('info', 'stats'))![1]);
}

async function run(redis: PrivateRedis, layout: BusLayout, members: number): Promise<Record<string, string | number>> {
  const prefix = `bench${Math.random().toString(36).slice(2, 8)}`;
  const nodes = await Promise.all(['a', 'b', 'c'].map((id) => RedisBus.connect(parseRedisUrl(redis.url), { nodeId: id, prefix, layout })));
  const [a, b, c] = nodes as [RedisBus, RedisBus, RedisBus];
  const users = Array.from({ length: members }, (_, i) => i + 1);
  // members spread over b and c (a is the sender's node); 10 % offline
  for (const [i, u] of users.entries()) if (i % 10 !== 9) await (i % 2 ? b : c).sessionOpened(u);
  let received = 0;
  for (const n of [b, c]) n.subscribe(() => void received++);
  const expected = MESSAGES * 2; // b and c both have members
  redis.cli('config', 'resetstat');
  const out0 = netOut(redis);
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    a.publish({ users, frame: `{"type":"message","seq":${i},"text":"benchmark text of a typical length, about sixty bytes"}\n` });
    if (i % BURST === BURST - 1) await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 60_000;
  while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  const publishes = stat(redis, 'publish');
  const scripts = stat(redis, 'evalsha') + stat(redis, 'eval');
  const bytes = netOut(redis) - out0;
  for (const n of nodes) await n.close();
  return {
    layout, members, messages: MESSAGES,
    'publishes/msg': +(publishes / MESSAGES).toFixed(2),
    'script calls/msg': +(scripts / MESSAGES).toFixed(1),
    'redis out KB/msg': +(bytes / 1024 / MESSAGES).toFixed(2),
    'msgs/s': Math.round(MESSAGES / (ms / 1000)),
    delivered: received === expected ? 'all' : `${received}/${expected}`,
  };
}

const redis = await startPrivateRedis();
try {
  const rows = [];
  for (const members of [2, 50, 500]) for (const layout of ['broadcast', 'node'] as const) rows.push(await run(redis, layout, members));
  console.table(rows);
} finally {
  await redis.destroy();
}
