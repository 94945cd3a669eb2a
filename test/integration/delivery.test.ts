// test-timeout: 180
// The delivery model over real sockets: store-then-ack, pushes to every session, cursors,
// backlog, idempotent retries, groups, presence.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { MessageStream } from '../../lib/client/message-stream.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const delivery = suite('delivery');
let server: RunningServer;
const clients: ChatClient[] = [];
let n = 0;

/** A fresh pair of users who are friends, each logged in once. */
async function pair() {
  n++;
  const aName = `a${n}`;
  const bName = `b${n}`;
  const a = await connectAs(server, aName);
  const b = await connectAs(server, bName);
  clients.push(a, b);
  await befriend(a, aName, b, bName);
  return { a, b, aName, bName };
}

function collect(client: ChatClient): PushFrame[] {
  const seen: PushFrame[] = [];
  client.onPush((f) => seen.push(f));
  return seen;
}

delivery.before(async () => {
  server = await startServer();
});
delivery.after(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

delivery('a send is acked with its seq, and pushed live to every session of both users but the sending one', async () => {
  const { a, b, aName, bName } = await pair();
  const b2 = await connectAs(server, bName, undefined, false);
  const a2 = await connectAs(server, aName, undefined, false);
  clients.push(a2, b2);
  const [pa, pa2, pb, pb2] = [collect(a), collect(a2), collect(b), collect(b2)];
  const r = await a.request('send', { to: bName, text: 'hello' });
  assert.is(r.seq, 1);
  assert.is(r.duplicate, false);
  const isMsg = (f: PushFrame) => f.type === 'message';
  await waitFor(() => pb.some(isMsg) && pb2.some(isMsg) && pa2.some(isMsg), 5000, 'pushes');
  const m = pb.find(isMsg) as MessageView;
  assert.equal([m.conversation, m.seq, m.from, m.to, m.text], [r.conversation, 1, aName, bName, 'hello']);
  await new Promise((res) => setTimeout(res, 100));
  assert.is(pa.filter(isMsg).length, 0, 'the sending session already has the ack');
});

delivery('offline messages arrive at the next login, in order, after the delivered cursor', async () => {
  const { a, b, aName, bName } = await pair();
  b.destroy();
  for (let i = 1; i <= 5; i++) await a.request('send', { to: bName, text: `m${i}` });
  const b2 = await connectAs(server, bName, undefined, false);
  clients.push(b2);
  const got: MessageView[] = [];
  const stream = new MessageStream(b2, (m) => got.push(m));
  b2.onPush((f) => f.type === 'message' && stream.push(f));
  await stream.start();
  assert.equal(got.map((m) => m.text), ['m1', 'm2', 'm3', 'm4', 'm5']);
  // Ack three: the next session's backlog starts at m4.
  await b2.request('ack', { conversation: got[2]!.conversation, seq: got[2]!.seq });
  const b3 = await connectAs(server, bName, undefined, false);
  clients.push(b3);
  const got3: MessageView[] = [];
  await new MessageStream(b3, (m) => got3.push(m)).start();
  assert.equal(got3.map((m) => m.text), ['m4', 'm5']);
  assert.ok(aName);
});

delivery('cursors move forward only, and never past the last message', async () => {
  const { a, b, bName } = await pair();
  const r = await a.request('send', { to: bName, text: 'x' });
  assert.equal(await b.request('ack', { conversation: r.conversation, seq: 1 }), { conversation: r.conversation, delivered: 1 });
  assert.equal(await b.request('ack', { conversation: r.conversation, seq: 0 }), { conversation: r.conversation, delivered: 1 });
  await rejectsWith(b.request('ack', { conversation: r.conversation, seq: 2 }), 'CHAT_ERR_BAD_CURSOR');
});

delivery('ack and read pipelined behind a send ride its group commit: they see its seq and move once it is stored', async () => {
  const { a, bName } = await pair();
  const first = await a.request('send', { to: bName, text: 'one' });
  const conversation = first.conversation;
  // Not awaited in between: one connection, so the server reads the three in this order.
  const [sent, acked, read] = await Promise.all([
    a.request('send', { to: bName, text: 'two' }),
    a.request('ack', { conversation, seq: first.seq + 1 }),
    a.request('read', { conversation, seq: first.seq + 1 }),
  ]);
  assert.is(sent.seq, first.seq + 1);
  assert.equal(acked, { conversation, delivered: first.seq + 1 });
  assert.equal(read, { conversation, read: first.seq + 1 });
  const view = (await a.request('conversations', {})).conversations.find((c) => c.conversation === conversation);
  assert.equal([view?.delivered, view?.read], [first.seq + 1, first.seq + 1]);
});

delivery('a retried send with the same client_msg_id is stored once and takes no new seq', async () => {
  const { a, b, bName } = await pair();
  const first = await a.request('send', { to: bName, text: 'once', client_msg_id: 'k1' });
  const retry = await a.request('send', { to: bName, text: 'once', client_msg_id: 'k1' });
  assert.is(retry.duplicate, true);
  assert.is(retry.seq, first.seq);
  const next = await a.request('send', { to: bName, text: 'twice', client_msg_id: 'k2' });
  assert.is(next.seq, first.seq + 1, 'no gap after a duplicate');
  const h = await b.request('history', { conversation: first.conversation });
  assert.equal(h.messages.map((m) => m.text), ['once', 'twice']);
});

delivery('unread counts messages from others above the read cursor; sending moves your own read cursor', async () => {
  const { a, b, aName, bName } = await pair();
  for (let i = 0; i < 3; i++) await a.request('send', { to: bName, text: `u${i}` });
  const unread = await b.request('unread', {});
  assert.equal(unread.unread.map((u) => [u.with, u.count]), [[aName, 3]]);
  assert.equal((await a.request('unread', {})).unread.map((u) => u.count), [0], 'own messages are never unread');
  const reply = await b.request('send', { to: aName, text: 'seen them' });
  assert.equal((await b.request('unread', {})).unread.map((u) => u.count), [0]);
  assert.equal((await a.request('unread', {})).unread.map((u) => u.count), [1]);
  await a.request('read', { conversation: reply.conversation, seq: reply.seq });
  assert.equal((await a.request('unread', {})).unread.map((u) => u.count), [0]);
});

delivery('history pages backwards', async () => {
  const { a, bName } = await pair();
  for (let i = 1; i <= 12; i++) await a.request('send', { to: bName, text: `h${i}` });
  const last5 = await a.request('history', { with: bName, limit: 5 });
  assert.equal(last5.messages.map((m) => m.seq), [8, 9, 10, 11, 12]);
  const before = await a.request('history', { with: bName, limit: 5, before: 8 });
  assert.equal(before.messages.map((m) => m.seq), [3, 4, 5, 6, 7]);
  const first = await a.request('history', { with: bName, limit: 5, before: 3 });
  assert.equal(first.messages.map((m) => m.seq), [1, 2]);
});

delivery('a group joiner starts with an empty backlog but sees older history; members get group pushes', async () => {
  n++;
  const owner = await connectAs(server, `owner${n}`);
  const early = await connectAs(server, `early${n}`);
  clients.push(owner, early);
  const g = `grp${n}`;
  await owner.request('group_create', { group: g, desc: 'd' });
  await early.request('group_join', { group: g });
  for (let i = 1; i <= 3; i++) await owner.request('send', { group: g, text: `before ${i}` });
  const late = await connectAs(server, `late${n}`);
  clients.push(late);
  const joined = await late.request('group_join', { group: g });
  assert.is(joined.seq, 3);
  const backlog: MessageView[] = [];
  await new MessageStream(late, (m) => backlog.push(m)).start();
  assert.equal(backlog, []);
  const history = await late.request('history', { group: g });
  assert.equal(history.messages.map((m) => m.text), ['before 1', 'before 2', 'before 3']);
  const pushed = collect(late);
  const pushedEarly = collect(early);
  await owner.request('send', { group: g, text: 'after' });
  await waitFor(() => pushed.some((f) => f.type === 'message') && pushedEarly.some((f) => f.type === 'message'), 5000, 'group pushes');
  const m = pushed.find((f) => f.type === 'message') as MessageView;
  assert.equal([m.group, m.from, m.text, m.seq], [g, `owner${n}`, 'after', 4]);
  await rejectsWith(owner.request('group_create', { group: g.toUpperCase() }), 'CHAT_ERR_GROUP_TAKEN');
});

delivery('group leave: the creator hands over to the earliest member; the last member deletes the group', async () => {
  n++;
  const g = `leave${n}`;
  const c = await connectAs(server, `creator${n}`);
  const m1 = await connectAs(server, `m1_${n}`);
  const m2 = await connectAs(server, `m2_${n}`);
  clients.push(c, m1, m2);
  await c.request('group_create', { group: g });
  await m1.request('group_join', { group: g });
  await m2.request('group_join', { group: g });
  const events = collect(m2);
  await c.request('group_leave', { group: g });
  await waitFor(() => events.some((e) => e.type === 'group_event' && e.event === 'creator'), 5000, 'creator event');
  const members = await m1.request('group_members', { group: g });
  assert.equal(members.members.map((m) => [m.name, m.role]), [[`m1_${n}`, 'creator'], [`m2_${n}`, 'member']]);
  await rejectsWith(c.request('send', { group: g, text: 'gone' }), 'CHAT_ERR_NOT_MEMBER');
  await m1.request('group_leave', { group: g });
  await m2.request('group_leave', { group: g });
  const again = await c.request('group_create', { group: g });
  assert.is(again.group, g, 'the name is free again');
});

delivery('friend requests, declines and removals are pushed; presence follows logins', async () => {
  n++;
  const x = await connectAs(server, `x${n}`);
  const y = await connectAs(server, `y${n}`);
  clients.push(x, y);
  const py = collect(y);
  const px = collect(x);
  await x.request('friend_add', { user: `y${n}` });
  await waitFor(() => py.some((f) => f.type === 'friend_request' && f.from === `x${n}`), 5000, 'friend_request push');
  await y.request('friend_decline', { user: `x${n}` });
  await waitFor(() => px.some((f) => f.type === 'friend_update' && f.status === 'declined'), 5000, 'decline push');
  await x.request('friend_add', { user: `y${n}` });
  await y.request('friend_accept', { user: `x${n}` });
  await waitFor(() => px.some((f) => f.type === 'friend_update' && f.status === 'accepted'), 5000, 'accept push');
  const y2 = await connectAs(server, `y${n}`, undefined, false);
  y.destroy();
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(!px.some((f) => f.type === 'presence' && !f.online), 'y still has a session, so y is online');
  assert.equal((await x.request('friends', {})).friends, [{ name: `y${n}`, online: true }]);
  y2.destroy();
  await waitFor(() => px.some((f) => f.type === 'presence' && f.user === `y${n}` && !f.online), 5000, 'offline presence');
  assert.equal((await x.request('friends', {})).friends, [{ name: `y${n}`, online: false }]);
  await x.request('friend_remove', { user: `y${n}` });
  await rejectsWith(x.request('send', { to: `y${n}`, text: 'hi' }), 'CHAT_ERR_NOT_FRIENDS');
});

delivery('a resume token logs in without the password; logout revokes it', async () => {
  n++;
  const name = `t${n}`;
  const first = await connectAs(server, name, undefined, true);
  clients.push(first);
  const login = await first.request('logout', {}).then(() => first.request('login', { user: name, password: `${name}-s3cret-pw` }));
  const resumed = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(resumed);
  assert.is((await resumed.request('login', { token: login.token })).user, name);
  await first.request('logout', {});
  const revoked = await ChatClient.connect({ host: server.host, port: server.port });
  clients.push(revoked);
  await rejectsWith(revoked.request('login', { token: login.token }), 'CHAT_ERR_TOKEN_INVALID');
  await rejectsWith(revoked.request('friends', {}), 'CHAT_ERR_NOT_LOGGED_IN');
});

delivery('listen --count prints and acks exactly N; the rest stay for the next listen', async () => {
  const { a, aName, bName } = await pair();
  for (let i = 1; i <= 5; i++) await a.request('send', { to: bName, text: `l${i}` });
  const creds = ['--server', server.address, '--user', bName, '--password', `${bName}-s3cret-pw`];
  const first = await runCli([...creds, 'listen', '--count', '2', '--timeout', '5', '--json']);
  assert.is(first.code, 0, first.stderr);
  assert.equal(jsonLines(first.stdout).map((m) => m.text), ['l1', 'l2']);
  const second = await runCli([...creds, 'listen', '--count', '10', '--timeout', '2', '--json']);
  assert.is(second.code, 4, 'timed out before 10');
  assert.equal(jsonLines(second.stdout).map((m) => m.text), ['l3', 'l4', 'l5']);
  assert.ok(aName);
});

delivery('listen prints live messages that arrive while it waits', async () => {
  const { a, bName } = await pair();
  const creds = ['--server', server.address, '--user', bName, '--password', `${bName}-s3cret-pw`];
  const listening = runCli([...creds, 'listen', '--count', '2', '--timeout', '20', '--json']);
  // Send once the listener is logged in: its session shows as online to its friend.
  const deadline = Date.now() + 15_000;
  while (!(await a.request('friends', {})).friends.some((f) => f.name === bName && f.online)) {
    assert.ok(Date.now() < deadline, 'listener never came online');
    await new Promise((r) => setTimeout(r, 50));
  }
  await a.request('send', { to: bName, text: 'live 1' });
  await a.request('send', { to: bName, text: 'live 2' });
  const r = await listening;
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout).map((m) => m.text), ['live 1', 'live 2']);
});

delivery.run();
