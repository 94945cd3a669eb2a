// test-timeout: 90
// The bench's own correctness, never its timing: a tiny run of the real load generator against
// the real `chat serve` must see every message exactly once and in order, 1:1 and in a group,
// and across two nodes (the *-cluster scenarios), with every receiver's delivered cursor at its
// conversation's last seq at the end (the generator acks as lib/client does), and the checker
// must notice when a (deliberately faulty) relay drops or doubles lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster } from '../../bench/lib/cluster.ts';
import { groupLayout, killAll, pairLayout, seed, startChat, startPersistRelay, startRelay, tempDb, traffic, type TrafficResult } from '../../bench/lib/harness.ts';
import { seedMysql } from '../../bench/lib/mysql.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis.ts';

const FILE = 'test/integration/bench-correctness.test.ts';

const small = { warmMs: 0, measureMs: 400, workers: 2, textBytes: 120 };

function clean(r: TrafficResult, what: string): void {
  assert.ok(r.deliveries > 0, `${what}: something was delivered`);
  assert.is(r.lost, 0, `${what}: lost`);
  assert.is(r.duplicated, 0, `${what}: duplicated`);
  assert.is(r.reordered, 0, `${what}: reordered`);
  assert.is(r.unacked, 0, `${what}: unacked`);
  assert.equal(r.errors, [], `${what}: errors`);
  assert.ok(r.drained, `${what}: drained`);
}

/** clean, and every receiver's delivered cursor ended at its conversation's last seq. */
function cleanWithCursors(r: TrafficResult, what: string, receivers: number): void {
  clean(r, what);
  assert.is(r.cursors.checked, receivers, `${what}: cursors checked`);
  assert.is(r.cursors.behind, 0, `${what}: delivered cursors short of the last seq`);
}

test('chat serve: 1:1 closed loop and windowed, and group fan-out: nothing lost, doubled or reordered', async () => {
  // u1…u12: pairs (u1,u2)…(u11,u12) are friends, and all twelve are in one group
  const db = tempDb();
  const seeded = await seed(db, { users: 12, pairs: true, group: 12 });
  const server = await startChat(db);
  try {
    const pairs = pairLayout(seeded.accounts, 4, 2);
    cleanWithCursors(await traffic(server, pairs, { ...small, window: 1 }), 'closed loop', 4);
    cleanWithCursors(await traffic(server, pairs, { ...small, window: 16 }), 'window 16', 4);
    const bare = await traffic(server, pairs, { ...small, window: 16, clientIds: false, acks: false });
    clean(bare, 'window 16, no client_msg_id, no acks');
    assert.is(bare.cursors.checked, 0, 'no acks: no cursor to check');
    const r = await traffic(server, groupLayout(seeded.accounts, 12, seeded.group!, 2), { ...small, window: 8 });
    cleanWithCursors(r, 'fan-out', 11);
    assert.is(r.deliveries, r.sent * 11, 'each group message reached the 11 other members');
  } finally {
    await server.stop();
  }
});

test('two nodes on MySQL and a Redis bus, senders on one and receivers on the other: nothing lost, doubled or reordered', async () => {
  if (!(await requireMariadb(FILE)) || !requireRedisServer(FILE)) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  try {
    const seeded = await seedMysql(db.url, { users: 8, pairs: true });
    const cluster = await startCluster(db.url, { url: redis.url, prefix: 'bench-test', serverPid: undefined }, { args: [] });
    try {
      // Every delivery below crossed Redis: the receivers are on node b, and nothing else tells b.
      const pairs = pairLayout(seeded.accounts, 4, 2);
      cleanWithCursors(await traffic(cluster.a, pairs, { ...small, window: 1, receiverServer: cluster.b }), 'cluster, closed loop', 4);
      cleanWithCursors(await traffic(cluster.a, pairs, { ...small, window: 16, receiverServer: cluster.b }), 'cluster, window 16', 4);
    } finally {
      await cluster.stop();
    }
  } finally {
    await redis.destroy();
    await db.drop();
  }
});

test('the bare persisting relay: every send acked, nothing lost, doubled or reordered, 1:1 and in a group', async () => {
  const seeded = await seed(tempDb(), { users: 12, pairs: true, group: 12 });
  const persist = await startPersistRelay();
  try {
    clean(await traffic(persist, pairLayout(seeded.accounts, 4, 2), { ...small, window: 16 }), 'persist-relay, window 16');
    const r = await traffic(persist, groupLayout(seeded.accounts, 12, seeded.group!, 2), { ...small, window: 8 });
    clean(r, 'persist-relay, fan-out');
    assert.is(r.deliveries, r.sent * 11, 'each group message reached the 11 other members');
  } finally {
    await persist.stop();
  }
});

test('the checker notices dropped and doubled lines', async () => {
  const seeded = await seed(tempDb(), { users: 4, pairs: true });
  const faulty = await startRelay(0, 'drop:7,dup:5');
  try {
    const r = await traffic(faulty, pairLayout(seeded.accounts, 2, 1), { ...small, workers: 1, window: 4, measureMs: 300, drainMs: 300 });
    assert.ok(r.lost > 0, `lost ${r.lost}`);
    assert.ok(r.duplicated > 0, `duplicated ${r.duplicated}`);
  } finally {
    await faulty.stop();
  }
});

test.after(() => killAll());
test.run();
