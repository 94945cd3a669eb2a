// test-timeout: 150
// A login whose socket is reset while the login is still in flight (the password check alone
// takes tens of ms) must leave nothing signed in: no session on the node, no presence on the bus,
// no ● for friends, and with RedisBus no presence key for the heartbeat to keep alive.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { metricsPort, scrape, value } from '../helpers/metrics.ts';
import { RawPeer } from '../helpers/raw.ts';
import { requireRedisServer, startPrivateRedis, waitUntil, type PrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const ghost = suite('ghost sessions');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// From "reset before the server has read the password" to "reset after the login replied": the
// short ones land inside the scrypt check, the long ones after the sign-in. Each one runs on a new
// connection while the earlier ones may still be in flight.
const RESET_AFTER_MS = [0, 1, 3, 5, 10, 20, 40, 80, 150, 300];
const BOB_PASSWORD = 'bob-s3cret-pw';

interface Watch {
  /** bob's presence pushes to alice, in order */
  presence: boolean[];
}

/** Registers and logs in; the client and the user's id. */
async function signUp(node: RunningServer, user: string, password = `${user}-s3cret-pw`): Promise<{ client: ChatClient; id: number }> {
  const client = await ChatClient.connect({ host: node.host, port: node.port });
  await client.request('register', { user, password });
  const { user_id: id } = await client.request('login', { user, password });
  return { client, id };
}

/** alice and bob are friends; bob then leaves, so alice sees him offline. */
async function setUp(aliceNode: RunningServer, bobNode: RunningServer): Promise<{ alice: ChatClient; bobId: number; watch: Watch }> {
  const alice = await connectAs(aliceNode, 'alice');
  const { client: bob, id: bobId } = await signUp(bobNode, 'bob', BOB_PASSWORD);
  await befriend(alice, 'alice', bob, 'bob');
  const watch: Watch = { presence: [] };
  alice.onPush((f) => {
    if (f.type === 'presence' && f.user === 'bob') watch.presence.push(f.online);
  });
  bob.destroy();
  // The presence state can read offline before the `offline` push has reached alice (through
  // another node's bus): the watch starts only once that push is in, so it cannot open the list.
  await waitUntil(async () => !(await bobOnline(alice)) && watch.presence.at(-1) === false, 10_000, 'bob offline after his real session closed, and alice told');
  watch.presence.length = 0;
  return { alice, bobId, watch };
}

async function bobOnline(alice: ChatClient): Promise<boolean> {
  const { friends } = await alice.request('friends', {});
  return friends.find((f) => f.name === 'bob')!.online;
}

/**
 * Logs bob in on raw sockets, resetting each after its delay, then waits until the node has
 * finished every one of those logins (each ends in a `login` or `login abandoned` log line):
 * from then on nothing can sign bob in any more, only sign-outs are left.
 */
async function resetLogins(node: RunningServer, bobId: number): Promise<void> {
  const mark = node.logs.length;
  for (const delay of RESET_AFTER_MS) {
    const peer = await RawPeer.open(node.port);
    peer.write(JSON.stringify({ id: 1, type: 'login', user: 'bob', password: BOB_PASSWORD }) + '\n');
    await sleep(delay);
    peer.socket.resetAndDestroy();
  }
  const finished = () =>
    node.logs.slice(mark).filter((l) => {
      const e = JSON.parse(l) as { msg?: string; userId?: number };
      return (e.msg === 'login' || e.msg === 'login abandoned') && e.userId === bobId;
    }).length;
  await waitUntil(() => finished() >= RESET_AFTER_MS.length, 20_000, `the node to finish all ${RESET_AFTER_MS.length} logins`);
}

/** Every `online` alice was pushed is followed by an `offline`, and bob ends offline. */
function assertPresencePaired(watch: Watch): void {
  const seq = watch.presence.map((o) => (o ? 'on' : 'off')).join(',');
  assert.ok(/^(on,off)?(,on,off)*$/.test(seq), `presence pushes pair up: ${seq}`);
}

ghost('one node: a login reset in flight leaves bob offline for alice, and no session on the node', async () => {
  const server = await startServer({ args: ['--metrics-port', '0'] });
  try {
    const { alice, bobId, watch } = await setUp(server, server);
    await resetLogins(server, bobId);
    const port = metricsPort(server);
    await waitUntil(async () => {
      const metrics = (await scrape(port)).text;
      return !(await bobOnline(alice)) && value(metrics, 'chat_sessions') === 1 && watch.presence.at(-1) !== true;
    }, 10_000, 'bob offline for alice and alice the only session on the node');
    assertPresencePaired(watch);
    assert.is(value((await scrape(port)).text, 'chat_connections'), 1, 'only alice is connected');
    alice.destroy();
  } finally {
    await server.stop();
  }
});

ghost('a password login abandoned in flight leaves no token behind: `sessions` lists only the logins that finished', async () => {
  const server = await startServer();
  try {
    const { client: bob, id: bobId } = await signUp(server, 'bob', BOB_PASSWORD);
    const mark = server.logs.length;
    await resetLogins(server, bobId);
    const lines = server.logs.slice(mark).map((l) => JSON.parse(l) as { msg?: string; userId?: number }).filter((e) => e.userId === bobId);
    const finished = lines.filter((e) => e.msg === 'login').length;
    const abandoned = lines.filter((e) => e.msg === 'login abandoned').length;
    assert.ok(abandoned > 0, `some logins were abandoned (${abandoned} of ${RESET_AFTER_MS.length})`);
    const { sessions } = await bob.request('sessions', {});
    assert.is(sessions.length, 1 + finished, `bob's own session and the ${finished} logins that finished, none of the ${abandoned} abandoned`);
    bob.destroy();
  } finally {
    await server.stop();
  }
});

ghost('RedisBus, two nodes: the reset login leaves no presence key, and the heartbeat does not bring one back', async () => {
  const file = 'test/integration/ghost-session.test.ts';
  if (!(await requireMariadb(file)) || !requireRedisServer(file)) return;
  const db = scratchDb();
  const redis: PrivateRedis = await startPrivateRedis();
  const args = (id: string) => ['--metrics-port', '0', '--node-id', id, '--redis', redis.url, '--presence-ttl-ms', '900'];
  const n1 = await startServer({ db: db.url, args: args('n1') });
  const n2 = await startServer({ db: db.url, args: args('n2') });
  try {
    const { alice, bobId, watch } = await setUp(n2, n1);
    // carol stays on n1, so n1's heartbeat has a user to refresh and can be seen running
    const { client: carol, id: carolId } = await signUp(n1, 'carol');
    await resetLogins(n1, bobId);
    const bobKey = `chat:p:{${bobId}}`;
    await waitUntil(async () => {
      const metrics = (await scrape(metricsPort(n1))).text;
      return redis.cli('exists', bobKey) === '0' && !(await bobOnline(alice)) && value(metrics, 'chat_sessions') === 1 && watch.presence.at(-1) !== true;
    }, 10_000, "bob's presence key gone, bob offline for alice, carol the only session on n1");
    // n1's heartbeat rewrites carol's deadline; after two of its rounds bob must still be absent.
    const carolDeadline = () => redis.cli('hget', `chat:p:{${carolId}}`, 'n1');
    for (let round = 0; round < 2; round++) {
      const before = carolDeadline();
      await waitUntil(() => carolDeadline() !== before, 10_000, "n1's heartbeat");
    }
    assert.is(redis.cli('exists', bobKey), '0', "n1's heartbeat does not write bob's presence");
    assert.not.ok(await bobOnline(alice), 'bob is offline for alice');
    assertPresencePaired(watch);
    alice.destroy();
    carol.destroy();
  } finally {
    await n1.stop();
    await n2.stop();
    await redis.destroy();
    await db.drop();
  }
});

ghost.run();
