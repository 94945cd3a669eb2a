// test-timeout: 90
// A node stopped with SIGTERM signs its sessions out before it closes the bus and the store: the
// friends on other nodes see them go offline at once (not when the presence TTL runs out), and
// storage records that the tokens are no longer held.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { adminQuery, requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, waitUntil } from '../helpers/redis.ts';
import { befriend, connectAs, startServer } from '../helpers/server.ts';

const stop = suite('graceful stop');
const FILE = 'test/integration/graceful-stop.test.ts';
/** far longer than the test waits: only the node's own sign-out can tell alice in time */
const PRESENCE_TTL_MS = 600_000;

const signOutFailures = (logs: string[]) =>
  logs.filter((l) => /could not record the end of a session|presence withdrawal failed|the store is closed/.test(l));

stop('SQLite: SIGTERM releases every token the sessions held, with no failed sign-out', async () => {
  const server = await startServer();
  const clients = await Promise.all(['ann', 'ben', 'cat'].map((u) => connectAs(server, u)));
  const held = () => {
    const db = new Database(server.dbPath, { readonly: true });
    try {
      return (db.prepare('SELECT COUNT(*) AS n FROM tokens WHERE live_conn IS NOT NULL').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  assert.is(held(), 3, 'three sessions hold their tokens');
  assert.is(await server.stop(), 0, 'the server exits cleanly');
  for (const c of clients) c.destroy();
  assert.equal(signOutFailures(server.logs), [], 'no sign-out failed at the stop');
  assert.is(held(), 0, 'no token is held after the stop');
});

stop('two nodes: a friend on the other node sees the stopped node\'s user go offline, and the token is released', async () => {
  if (!(await requireMariadb(FILE)) || !requireRedisServer(FILE)) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const args = (id: string) => ['--node-id', id, '--redis', redis.url, '--presence-ttl-ms', String(PRESENCE_TTL_MS)];
  const n1 = await startServer({ db: db.url, args: args('n1') });
  const n2 = await startServer({ db: db.url, args: args('n2') });
  try {
    const alice = await connectAs(n1, 'alice');
    const bob = await connectAs(n2, 'bob');
    await befriend(alice, 'alice', bob, 'bob');
    const pushes: boolean[] = [];
    alice.onPush((f) => {
      if (f.type === 'presence' && f.user === 'bob') pushes.push(f.online);
    });
    const bobOnline = async () => (await alice.request('friends', {})).friends.find((f) => f.name === 'bob')!.online;
    await waitUntil(bobOnline, 10_000, 'bob online for alice');
    assert.is(await n2.stop(), 0, 'n2 exits cleanly');
    bob.destroy();
    await waitUntil(async () => pushes.at(-1) === false && !(await bobOnline()), 10_000, 'alice told that bob is offline');
    assert.equal(signOutFailures(n2.logs), [], 'no sign-out failed at the stop');
    const rows = await adminQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${db.name}\`.tokens t JOIN \`${db.name}\`.users u ON u.id = t.user_id
      WHERE u.name = 'bob' AND t.live_conn IS NOT NULL`);
    assert.is(Number(rows[0]!.n), 0, "bob's token is not held");
    alice.destroy();
  } finally {
    await n1.stop();
    await n2.stop();
    await redis.destroy();
    await db.drop();
  }
});

stop.run();
