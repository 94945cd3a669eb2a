// test-timeout: 150
// RedisBus on a Redis Cluster: three masters on free loopback ports (Debian's redis-server and
// `redis-cli --cluster create`), sharded pub/sub (SSUBSCRIBE/SPUBLISH). The Bus contract runs on
// it, then two real `chat serve` nodes chat across it, 1:1 and in a group, with presence.
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Bus } from '../../lib/bus/bus.ts';
import { RedisBus } from '../../lib/bus/redis-bus.ts';
import { parseRedisUrl } from '../../lib/bus/redis-transport.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { busContract } from '../contract/bus.contract.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { commandCalls, requireRedisServer, startPrivateRedisCluster, waitUntil, type PrivateRedisCluster } from '../helpers/redis.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const FILE = 'test/integration/cluster-sharded.test.ts';
const TTL = 900;

if (requireRedisServer(FILE) && (await requireMariadb(FILE))) {
  const rc: PrivateRedisCluster = await startPrivateRedisCluster(3);
  busContract('RedisBus (Redis Cluster, sharded pub/sub)', async () => {
    const prefix = `s${randomBytes(4).toString('hex')}`;
    const nodes: RedisBus[] = [];
    return {
      node: async (id: string) => {
        const bus = await RedisBus.connect(parseRedisUrl(rc.url), { nodeId: id, prefix, presenceTtlMs: TTL });
        nodes.push(bus);
        return bus as Bus;
      },
      publishes: async () => commandCalls(rc.nodes, 'spublish') + commandCalls(rc.nodes, 'publish'),
      multiNode: true,
      presenceTtlMs: TTL,
      crash: (bus: Bus) => (bus as RedisBus).abandon(),
      teardown: async () => {
        for (const n of nodes) await n.close();
      },
    };
  });

  const live = suite('chat serve on a Redis Cluster');
  const db = scratchDb();
  let n1: RunningServer;
  let n2: RunningServer;
  live.before(async () => {
    const args = (id: string) => ['--redis', rc.url, '--node-id', id, '--presence-ttl-ms', String(TTL)];
    n1 = await startServer({ db: db.url, args: args('n1') });
    n2 = await startServer({ db: db.url, args: args('n2') });
  });
  live.after(async () => {
    await n1?.stop();
    await n2?.stop();
    await db.drop();
    await rc.destroy();
  });

  live('users on two nodes chat 1:1 and in a group over sharded pub/sub, and see presence', async () => {
    const listening = n1.logs.map((l) => JSON.parse(l)).find((e) => e.msg === 'listening');
    assert.is(listening.sharded, true, 'the node says it uses sharded pub/sub');
    const alice = await connectAs(n1, 'alice');
    const bob = await connectAs(n2, 'bob');
    const carol = await connectAs(n2, 'carol');
    await befriend(alice, 'alice', bob, 'bob');
    const toBob: PushFrame[] = [];
    const toAlice: PushFrame[] = [];
    const toCarol: PushFrame[] = [];
    bob.onPush((f) => toBob.push(f));
    alice.onPush((f) => toAlice.push(f));
    carol.onPush((f) => toCarol.push(f));
    await alice.request('send', { to: 'bob', text: 'across the cluster' });
    await waitUntil(() => toBob.some((f) => f.type === 'message' && f.text === 'across the cluster'), 5000, 'the 1:1 push');
    await alice.request('group_create', { group: 'ops' });
    await bob.request('group_join', { group: 'ops' });
    await carol.request('group_join', { group: 'ops' });
    await alice.request('send', { group: 'ops', text: 'to the group' });
    const isIt = (f: PushFrame) => f.type === 'message' && f.text === 'to the group';
    await waitUntil(() => toBob.some(isIt) && toCarol.some(isIt), 5000, 'the group push on n2');
    assert.equal((await alice.request('friends', {})).friends, [{ name: 'bob', online: true }]);
    await bob.close();
    await waitUntil(() => toAlice.some((f) => f.type === 'presence' && f.user === 'bob' && !f.online), 5000, 'bob offline');
    assert.equal((await alice.request('friends', {})).friends, [{ name: 'bob', online: false }]);
    await alice.close();
    await carol.close();
  });
  live.run();
}
