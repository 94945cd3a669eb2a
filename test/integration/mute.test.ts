// test-timeout: 120
// Mute through the real binary and server: `chat mute` / `chat unmute` set the level stored on
// the server, `unread` and `conversations` report it, and the user's other sessions hear of the
// change at once, on one node (SQLite) and across two nodes (MySQL + Redis).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const FILE = 'test/integration/mute.test.ts';
const pushesOf = (c: ChatClient): PushFrame[] => {
  const got: PushFrame[] = [];
  c.onPush((f) => got.push(f));
  return got;
};
const levels = (got: PushFrame[]) => got.filter((f) => f.type === 'notify_level');

const one = suite('mute on one node');
let server: RunningServer;
let alice: ChatClient;
let bob: ChatClient;
const as = (user: string, ...args: string[]) => runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret-pw`, ...args]);

one.before(async () => {
  server = await startServer();
  alice = await connectAs(server, 'alice');
  bob = await connectAs(server, 'bob');
  await connectAs(server, 'carol').then((c) => c.close());
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('group_create', { group: 'devs' });
  await bob.request('group_join', { group: 'devs' });
});
one.after(async () => {
  alice?.destroy();
  bob?.destroy();
  await server?.stop();
});

one('chat mute defaults to none; the other session hears it; unread reports it', async () => {
  const got = pushesOf(alice);
  const r = await as('alice', 'mute', 'bob', '--json');
  assert.is(r.code, 0, r.stderr);
  const [line] = jsonLines(r.stdout);
  assert.equal({ ...line, conversation: undefined }, { type: 'notify_level', conversation: undefined, with: 'bob', notify: 'none' });
  await waitFor(() => levels(got).length === 1, 5000, 'the notify_level push');
  assert.equal(levels(got)[0], { type: 'notify_level', conversation: line.conversation, with: 'bob', notify: 'none' });
  const unread = jsonLines((await as('alice', 'unread', '--json')).stdout);
  assert.equal(unread.map((u) => [u.with ?? `#${u.group}`, u.notify]), [['bob', 'none'], ['#devs', 'all']]);
  assert.match((await as('alice', 'unread')).stdout, /^bob\t0\t\(notify: none\)$/m);
  // bob's own level of the same conversation is his
  assert.equal((await bob.request('conversations', {})).conversations.map((c) => c.notify), ['all', 'all']);
});

one('--level mentions on a group, unmute, and the text output', async () => {
  const m = await as('alice', 'mute', '--group', 'devs', '--level', 'mentions');
  assert.is(m.code, 0, m.stderr);
  assert.is(m.stdout, '#devs\tnotify: mentions\n');
  const u = await as('alice', 'unmute', 'bob');
  assert.is(u.stdout, 'bob\tnotify: all\n');
  const convs = (await alice.request('conversations', {})).conversations;
  assert.equal(convs.map((c) => [c.with ?? c.group, c.notify]), [['bob', 'all'], ['devs', 'mentions']]);
});

one('refusals: a stranger, a group you are not in, a bad level, no target', async () => {
  const stranger = await as('alice', 'mute', 'carol');
  assert.is(stranger.code, 1);
  assert.match(stranger.stderr, /^CHAT_ERR_NOT_FRIENDS: /);
  await bob.request('group_create', { group: 'bobs' });
  const outsider = await as('alice', 'mute', '--group', 'bobs');
  assert.is(outsider.code, 1);
  assert.match(outsider.stderr, /^CHAT_ERR_NOT_MEMBER: /);
  const badLevel = await as('alice', 'mute', 'bob', '--level', 'loud');
  assert.is(badLevel.code, 2);
  const none = await as('alice', 'mute');
  assert.is(none.code, 2);
  try {
    await alice.request('mute', { with: 'bob', level: 'loud' as never });
    assert.unreachable('a bad level is refused');
  } catch (err: any) {
    assert.is(err.code, 'CHAT_ERR_BAD_FIELD');
  }
});

one.run();

const ready = requireRedisServer(FILE) && (await requireMariadb(FILE));
if (ready) {
  const two = suite('mute across two nodes');
  const db = scratchDb();
  let redis: PrivateRedis;
  let nodes: RunningServer[] = [];
  two.before(async () => {
    redis = await startPrivateRedis();
    nodes = [await startServer({ db: db.url, args: ['--redis', redis.url, '--node-id', 'n1'] })];
    nodes.push(await startServer({ db: db.url, args: ['--redis', redis.url, '--node-id', 'n2'] }));
  });
  two.after(async () => {
    for (const n of nodes) await n.stop();
    await redis?.destroy();
    await db.drop();
  });
  two('a mute on node 1 reaches the same user’s session on node 2', async () => {
    const a1 = await connectAs(nodes[0]!, 'ann');
    const a2 = await connectAs(nodes[1]!, 'ann', undefined, false);
    try {
      assert.is.not(a1.node, a2.node);
      await a1.request('group_create', { group: 'ops' });
      const got = pushesOf(a2);
      const r = await a1.request('mute', { group: 'ops', level: 'none' });
      await waitFor(() => levels(got).length === 1, 10_000, 'the push on the other node');
      assert.equal(levels(got)[0], { type: 'notify_level', ...r });
      assert.is((await a2.request('conversations', {})).conversations[0]?.notify, 'none');
    } finally {
      a1.destroy();
      a2.destroy();
    }
  });
  two.run();
}
