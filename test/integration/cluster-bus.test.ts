// test-timeout: 90
// The Bus contract on RedisBus over a private redis-server (free port, killed at the end), plus
// what only a networked bus has to survive: a Redis restart while nodes run.
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bus } from '../../lib/bus/bus.ts';
import { RedisBus } from '../../lib/bus/redis-bus.ts';
import { parseRedisUrl } from '../../lib/bus/redis-transport.ts';
import { busContract } from '../contract/bus.contract.ts';
import { commandCalls, requireRedisServer, startPrivateRedis, waitUntil, type PrivateRedis } from '../helpers/redis.ts';

const TTL = 900;

if (requireRedisServer('test/integration/cluster-bus.test.ts')) {
  const redis = await startPrivateRedis();
  busContract('RedisBus (one Redis)', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const nodes: RedisBus[] = [];
    return {
      node: async (id: string) => {
        const bus = await RedisBus.connect(parseRedisUrl(redis.url), { nodeId: id, prefix, presenceTtlMs: TTL });
        nodes.push(bus);
        return bus as Bus;
      },
      publishes: async () => commandCalls([redis], 'publish'),
      multiNode: true,
      presenceTtlMs: TTL,
      crash: (bus: Bus) => (bus as RedisBus).abandon(),
      teardown: async () => {
        for (const n of nodes) await n.close();
      },
    };
  });

  const restart = suite('RedisBus: Redis restarts under running nodes');
  restart('publishes fail fast while Redis is down; when it is back, every node re-syncs and delivery resumes', async () => {
    const own: PrivateRedis = await startPrivateRedis();
    const prefix = `r${randomBytes(4).toString('hex')}`;
    const a = await RedisBus.connect(parseRedisUrl(own.url), { nodeId: 'a', prefix, presenceTtlMs: TTL });
    const b = await RedisBus.connect(parseRedisUrl(own.url), { nodeId: 'b', prefix, presenceTtlMs: TTL });
    try {
      const resyncs = { a: 0, b: 0 };
      a.onResync(() => void resyncs.a++);
      b.onResync(() => void resyncs.b++);
      const got: string[] = [];
      b.subscribe((e) => got.push(e.frame));
      await b.sessionOpened(5);
      a.publish({ users: [5], frame: 'before' });
      await waitUntil(() => got.includes('before'), 3000, 'delivery before the restart');

      await own.kill();
      a.publish({ users: [5], frame: 'during' }); // lost as a wake-up; storage + re-sync repair it
      const t0 = Date.now();
      assert.is(await a.sessionOpened(6), false, 'presence answers (false) instead of hanging');
      assert.ok(Date.now() - t0 < 3000);
      assert.equal([...(await b.onlineAmong([5, 6]))], [5], 'onlineAmong falls back to local sessions');

      await own.start(); // same port, empty: presence comes back through the heartbeat
      await waitUntil(() => resyncs.a > 0 && resyncs.b > 0, 15_000, 're-sync on both nodes');
      await waitUntil(async () => (await a.onlineAmong([5])).has(5), 5000, "b's user online again for a");
      a.publish({ users: [5], frame: 'after' });
      await waitUntil(() => got.includes('after'), 5000, 'delivery after the restart');
      assert.not.ok(got.includes('during'));
    } finally {
      await a.close();
      await b.close();
      await own.destroy();
    }
  });
  restart.after(async () => {
    await redis.destroy();
  });
  restart.run();
}
