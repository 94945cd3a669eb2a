// test-timeout: 150
// Block through the real binary and server (issue 16): `chat block` ends a friendship, the
// blocker's other sessions learn of it at once, a blocked user's group entries reach the
// blocker as placeholders (pushes, history, sync), unread leaves them out, the blocked user's
// friend request stays pending on their side without reaching the blocker, and `chat unblock`
// shows everything again. On one node (SQLite) and across two nodes (MySQL + Redis).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const FILE = 'test/integration/block.test.ts';
const pushesOf = (c: ChatClient): PushFrame[] => {
  const got: PushFrame[] = [];
  c.onPush((f) => got.push(f));
  return got;
};
type Entry = Extract<PushFrame, { type: 'message' }>;
const entries = (got: PushFrame[], type = 'message') => got.filter((f) => f.type === type) as Entry[];

const one = suite('block on one node');
let server: RunningServer;
let alice: ChatClient;
let bob: ChatClient;
let carol: ChatClient;
const as = (user: string, ...args: string[]) => runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret-pw`, ...args]);

one.before(async () => {
  server = await startServer();
  alice = await connectAs(server, 'alice');
  bob = await connectAs(server, 'bob');
  carol = await connectAs(server, 'carol');
  await befriend(alice, 'alice', bob, 'bob');
  await alice.request('group_create', { group: 'devs' });
  await bob.request('group_join', { group: 'devs' });
  await carol.request('group_join', { group: 'devs' });
});
one.after(async () => {
  alice?.destroy();
  bob?.destroy();
  carol?.destroy();
  await server?.stop();
});

one('chat block ends the friendship; the other session hears it; blocked lists it', async () => {
  const mine = pushesOf(alice);
  const his = pushesOf(bob);
  const r = await as('alice', 'block', 'bob', '--json');
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout), [{ type: 'blocked_changed', user: 'bob', blocked: true, unfriended: true }]);
  await waitFor(() => mine.some((f) => f.type === 'blocked_changed'), 5000, 'the blocked_changed push');
  assert.equal(mine.filter((f) => f.type === 'blocked_changed'), [{ type: 'blocked_changed', user: 'bob', blocked: true }]);
  await waitFor(() => his.some((f) => f.type === 'friend_update'), 5000, 'the unfriending push');
  assert.equal(his.filter((f) => f.type === 'friend_update'), [{ type: 'friend_update', user: 'alice', status: 'removed' }], 'told of an unfriending, not of a block');
  assert.equal((await alice.request('friends', {})).friends, []);
  assert.equal(jsonLines((await as('alice', 'blocked', '--json')).stdout), [{ type: 'blocked', name: 'bob' }]);
  assert.equal((await bob.request('blocked', {})).blocked, []);
  const again = await as('alice', 'block', 'bob');
  assert.is(again.stdout, 'bob: blocked\n', 'a second block is no error');
});

one('the blocked user\'s group messages and reactions reach the blocker as placeholders; others see them', async () => {
  const mine = pushesOf(alice);
  const hers = pushesOf(carol);
  const late = await connectAs(server, 'alice', undefined, false); // its blocked set is read at login
  const lates = pushesOf(late);
  try {
    const c1 = await carol.request('send', { group: 'devs', text: 'from carol' });
    const b1 = await bob.request('send', { group: 'devs', text: 'secret from bob' });
    await bob.request('react', { group: 'devs', seq: c1.seq, emoji: '🎉' });
    const c2 = await carol.request('send', { group: 'devs', text: 'carol again', reply_to: b1.seq });
    for (const got of [mine, lates]) await waitFor(() => entries(got).some((m) => m.seq === c2.seq), 5000, 'carol\'s second message');
    for (const got of [mine, lates]) {
      assert.equal(entries(got).map((m) => m.seq), [c1.seq, b1.seq, c2.seq], 'no gap in the sequence');
      const hidden = entries(got).find((m) => m.seq === b1.seq)!;
      assert.equal(hidden, { type: 'message', conversation: b1.conversation, seq: b1.seq, from: 'bob', group: 'devs', text: '', ts: b1.ts, hidden: true });
      const [reaction] = entries(got, 'reaction') as any[];
      assert.equal(entries(got).find((m) => m.seq === c2.seq)?.reply_to, { seq: b1.seq, from: 'bob', excerpt: '', hidden: true }, 'a quote of bob names him, not his text');
      assert.equal({ ...reaction, ts: undefined }, { type: 'reaction', conversation: b1.conversation, seq: b1.seq + 1, target: c1.seq, from: 'bob', group: 'devs', text: '', ts: undefined, hidden: true });
    }
    await waitFor(() => entries(hers).some((m) => m.seq === b1.seq), 5000, 'bob\'s message to carol');
    assert.is(entries(hers).find((m) => m.seq === b1.seq)?.text, 'secret from bob');

    const history = await alice.request('history', { group: 'devs' });
    const byseq = new Map(history.messages.map((m) => [m.seq, m]));
    assert.equal(byseq.get(b1.seq), { conversation: b1.conversation, seq: b1.seq, from: 'bob', group: 'devs', text: '', ts: b1.ts, hidden: true });
    assert.is(byseq.get(c1.seq)?.text, 'from carol');
    assert.equal(byseq.get(c2.seq)?.reply_to, { seq: b1.seq, from: 'bob', excerpt: '', hidden: true });
    assert.equal(entries(hers).find((m) => m.seq === c2.seq)?.reply_to ?? (await carol.request('history', { group: 'devs' })).messages.find((m) => m.seq === c2.seq)?.reply_to,
      { seq: b1.seq, from: 'bob', excerpt: 'secret from bob' }, 'carol sees the quote');
    const sync = await late.request('sync', { conversation: b1.conversation, after: 0 });
    assert.equal(sync.messages.filter((m) => m.hidden).map((m) => [m.seq, m.kind, m.text]), [[b1.seq, 'message', ''], [b1.seq + 1, 'reaction', '']]);
    assert.ok(!JSON.stringify(sync).includes('secret from bob') && !JSON.stringify(history).includes('secret from bob'));
    assert.equal((await late.request('search', { query: 'from' })).results.map((r) => r.text), ['from carol'], 'search leaves bob out');
    assert.equal((await carol.request('search', { query: 'secret' })).results.map((r) => r.text), ['secret from bob']);
    // carol's two messages are unread, bob's is not counted
    assert.is((await late.request('unread', {})).unread.find((u) => u.group === 'devs')?.count, 2);
  } finally {
    late.destroy();
  }
});

one('the blocked user\'s friend request is pending for them, never reaches the blocker; unblock shows it and the messages again', async () => {
  const mine = pushesOf(alice);
  const added = await bob.request('friend_add', { user: 'alice' });
  assert.equal(added, { user: 'alice', status: 'pending' }, 'the same reply as any request');
  assert.equal((await bob.request('friends', {})).requests, [{ name: 'alice', direction: 'out' }]);
  // A later push from another user arrives after any push of the request would have.
  const c = await carol.request('send', { group: 'devs', text: 'barrier' });
  await waitFor(() => entries(mine).some((m) => m.seq === c.seq), 5000, 'the barrier message');
  assert.equal(mine.filter((f) => f.type === 'friend_request'), []);
  assert.equal((await alice.request('friends', {})).requests, []);
  const refused = await as('alice', 'friend', 'add', 'bob');
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /^CHAT_ERR_USER_BLOCKED: /);

  const u = await as('alice', 'unblock', 'bob', '--json');
  assert.equal(jsonLines(u.stdout), [{ type: 'blocked_changed', user: 'bob', blocked: false, was_blocked: true }]);
  await waitFor(() => mine.some((f) => f.type === 'blocked_changed'), 5000, 'the unblock push');
  assert.equal((await alice.request('friends', {})).requests, [{ name: 'bob', direction: 'in' }]);
  const history = await alice.request('history', { group: 'devs' });
  assert.ok(history.messages.some((m) => m.text === 'secret from bob'));
  assert.ok(history.messages.every((m) => m.hidden === undefined));
  assert.equal((await alice.request('search', { query: 'secret' })).results.map((r) => r.text), ['secret from bob'], 'found again');
  const b2 = await bob.request('send', { group: 'devs', text: 'visible again' });
  await waitFor(() => entries(mine).some((m) => m.seq === b2.seq), 5000, 'bob\'s message after the unblock');
  assert.is(entries(mine).find((m) => m.seq === b2.seq)?.text, 'visible again', 'the other session\'s set was updated by the push');
  assert.is((await as('alice', 'unblock', 'bob')).stdout, 'bob: was not blocked\n');
});

one('refusals: yourself, an unknown user', async () => {
  const self = await as('alice', 'block', 'alice');
  assert.is(self.code, 1);
  assert.match(self.stderr, /^CHAT_ERR_SELF: /);
  const nobody = await as('alice', 'block', 'nobody-here');
  assert.is(nobody.code, 1);
  assert.match(nobody.stderr, /^CHAT_ERR_NO_SUCH_USER: /);
});

one.run();

const ready = requireRedisServer(FILE) && (await requireMariadb(FILE));
if (ready) {
  const two = suite('block across two nodes');
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
  two('a block on node 1 hides the blocked user\'s messages from the blocker\'s session on node 2, until unblocked', async () => {
    const a1 = await connectAs(nodes[0]!, 'ann');
    const a2 = await connectAs(nodes[1]!, 'ann', undefined, false);
    const b1 = await connectAs(nodes[0]!, 'ben');
    try {
      assert.is.not(a1.node, a2.node);
      await a1.request('group_create', { group: 'ops' });
      await b1.request('group_join', { group: 'ops' });
      const got = pushesOf(a2);
      await a1.request('block', { user: 'ben' });
      await waitFor(() => got.some((f) => f.type === 'blocked_changed'), 10_000, 'the push on the other node');
      const m1 = await b1.request('send', { group: 'ops', text: 'hidden text' });
      await waitFor(() => entries(got).some((m) => m.seq === m1.seq), 10_000, 'the placeholder on node 2');
      assert.equal(entries(got).find((m) => m.seq === m1.seq), { type: 'message', conversation: m1.conversation, seq: m1.seq, from: 'ben', group: 'ops', text: '', ts: m1.ts, hidden: true });
      await a1.request('unblock', { user: 'ben' });
      await waitFor(() => got.filter((f) => f.type === 'blocked_changed').length === 2, 10_000, 'the unblock on node 2');
      const m2 = await b1.request('send', { group: 'ops', text: 'shown text' });
      await waitFor(() => entries(got).some((m) => m.seq === m2.seq), 10_000, 'the message on node 2');
      assert.is(entries(got).find((m) => m.seq === m2.seq)?.text, 'shown text');
    } finally {
      a1.destroy();
      a2.destroy();
      b1.destroy();
    }
  });
  two.run();
}
