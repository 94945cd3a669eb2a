// test-timeout: 180
// Edit, delete, reply and react (issue 17) through real `chat serve` processes: each is an entry
// of the one sequence, pushed live like a message, folded by history, raw in sync, never unread,
// applied once per client_msg_id; through the CLI; and across two nodes on MySQL + Redis.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const events = suite('message events');

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

function pushesOf(client: ChatClient): PushFrame[] {
  const got: PushFrame[] = [];
  client.onPush((f) => got.push(f));
  return got;
}

events('edit, react, reply and delete: live pushes, history folded, sync raw, unread counts messages', async () => {
  const server = await startServer();
  const alice = await connectAs(server, 'alice');
  const bob = await connectAs(server, 'bob');
  try {
    await befriend(alice, 'alice', bob, 'bob');
    const seen = pushesOf(bob);
    const m1 = await alice.request('send', { to: 'bob', text: 'helo bob', client_msg_id: 'a-1' });
    const edit = await alice.request('edit', { with: 'bob', seq: m1.seq, text: 'hello bob', client_msg_id: 'a-2' });
    assert.equal([edit.seq, edit.target, edit.duplicate], [2, 1, false]);
    const retry = await alice.request('edit', { with: 'bob', seq: m1.seq, text: 'hello bob', client_msg_id: 'a-2' });
    assert.equal([retry.seq, retry.duplicate], [2, true], 'a retried edit is applied once');
    const r1 = await bob.request('react', { with: 'alice', seq: 1, emoji: '👍', client_msg_id: 'b-1' });
    assert.equal([r1.seq, r1.changed], [3, true]);
    const r2 = await bob.request('react', { with: 'alice', seq: 1, emoji: '👍', client_msg_id: 'b-2' });
    assert.equal([r2.seq, r2.changed], [null, false], 'reacting twice changes nothing');
    await alice.request('react', { with: 'bob', seq: 1, emoji: '👍', client_msg_id: 'a-3' });
    const reply = await bob.request('send', { to: 'alice', text: 'hi!', reply_to: 1, client_msg_id: 'b-3' });
    assert.is(await codeOf(bob.request('send', { to: 'alice', text: 'x', reply_to: 2 })), 'CHAT_ERR_NO_SUCH_MESSAGE', 'an edit is not a message');
    assert.is(await codeOf(bob.request('send', { to: 'alice', text: 'x', reply_to: 99 })), 'CHAT_ERR_NO_SUCH_MESSAGE');
    assert.is(await codeOf(bob.request('edit', { with: 'alice', seq: 1, text: 'mine' })), 'CHAT_ERR_NOT_YOURS');
    assert.is(await codeOf(bob.request('react', { with: 'alice', seq: 1, emoji: 'x'.repeat(33) })), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(bob.request('react', { with: 'alice', seq: 1, emoji: '😀'.repeat(9) })), 'CHAT_ERR_BAD_REACTION', '36 bytes');
    assert.is(await codeOf(bob.request('react', { with: 'alice', seq: 1, emoji: '\u202e!' })), 'CHAT_ERR_BAD_REACTION');

    const page = await alice.request('history', { with: 'bob', limit: 2 });
    assert.equal(page.messages.map((m) => m.seq), [1, reply.seq], 'limit counts messages, not events');
    const [first, answer] = page.messages;
    assert.is(first!.text, 'hello bob');
    assert.type(first!.edited_at, 'string');
    assert.equal(first!.reactions, [{ emoji: '👍', count: 2, me: true }]);
    assert.equal(answer!.reply_to, { seq: 1, from: 'alice', excerpt: 'hello bob' });
    const unread = (await alice.request('unread', {})).unread;
    assert.equal(unread.map((u) => u.count), [1], 'bob\'s reply is unread for alice; his reactions are not');

    const del = await alice.request('delete', { with: 'bob', seq: 1, client_msg_id: 'a-4' });
    assert.is(del.target, 1);
    const after = (await alice.request('history', { with: 'bob' })).messages;
    assert.equal([after[0]!.deleted, after[0]!.text, after[0]!.reactions], [true, '', undefined]);
    assert.equal(after[1]!.reply_to, { seq: 1, from: 'alice', excerpt: '', deleted: true });
    const raw = (await bob.request('sync', { conversation: m1.conversation, after: 0 })).messages;
    assert.equal(raw.map((m) => [m.seq, m.kind, m.target]), [
      [1, 'message', undefined], [2, 'edit', 1], [3, 'reaction', 1], [4, 'reaction', 1], [5, 'message', undefined], [6, 'delete', 1],
    ]);
    assert.not.ok(JSON.stringify(raw).includes('hello bob'), 'the deleted text is gone from sync, edits included');

    await waitFor(() => seen.some((f) => f.type === 'delete'), 5000, 'the delete push');
    assert.equal(seen.filter((f) => f.type !== 'presence').map((f) => [f.type, (f as { seq: number }).seq]), [
      ['message', 1], ['edit', 2], ['reaction', 4], ['delete', 6],
    ], 'bob gets every event he did not make, once, as its own push type');
    const editPush = seen.find((f) => f.type === 'edit') as { target: number; text: string; from: string };
    assert.equal([editPush.target, editPush.text, editPush.from], [1, 'hello bob', 'alice']);

    const bobUnread = (await bob.request('unread', {})).unread;
    assert.equal(bobUnread.map((u) => u.count), [0], 'his reply read up to 5; alice\'s deletion (6) after it is not unread');
  } finally {
    alice.destroy();
    bob.destroy();
    await server.stop();
  }
});

events('groups: the creator may delete anyone\'s message, a member only their own', async () => {
  const server = await startServer();
  const owner = await connectAs(server, 'owner');
  const m = await connectAs(server, 'mem');
  try {
    await owner.request('group_create', { group: 'g' });
    await m.request('group_join', { group: 'g' });
    const a = await owner.request('send', { group: 'g', text: 'from owner' });
    const b = await m.request('send', { group: 'g', text: 'from member' });
    assert.is(await codeOf(m.request('delete', { group: 'g', seq: a.seq })), 'CHAT_ERR_NOT_YOURS');
    assert.is(await codeOf(owner.request('delete', { group: 'g', seq: b.seq })), 'ok');
    assert.is(await codeOf(owner.request('delete', { group: 'g', seq: b.seq })), 'CHAT_ERR_MESSAGE_DELETED');
    await m.request('group_leave', { group: 'g' });
    assert.is(await codeOf(m.request('react', { group: 'g', seq: a.seq, emoji: '👋' })), 'CHAT_ERR_NOT_MEMBER', 'react in a group you left');
  } finally {
    owner.destroy();
    m.destroy();
    await server.stop();
  }
});

events('CLI: edit, react, delete, --reply-to; history prints #seq folded; listen prints events and counts messages', async () => {
  const server: RunningServer = await startServer();
  const as = (user: string, ...args: string[]) => runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret`, ...args]);
  try {
    for (const u of ['ann', 'ben']) assert.is((await runCli(['--server', server.address, 'register', '--user', u, '--password', `${u}-s3cret`])).code, 0);
    await as('ann', 'friend', 'add', 'ben');
    await as('ben', 'friend', 'accept', 'ann');
    assert.is((await as('ann', 'send', 'ben', 'teh plan')).code, 0);
    const edited = await as('ann', 'edit', 'ben', '1', 'the', 'plan', '--json');
    assert.is(edited.code, 0, edited.stderr);
    assert.equal(jsonLines(edited.stdout).map((r) => [r.type, r.seq, r.target]), [['edited', 2, 1]]);
    const reacted = await as('ben', 'react', 'ann', '1', '🎉');
    assert.is(reacted.code, 0, reacted.stderr);
    const replied = await as('ben', 'send', 'ann', 'sounds good', '--reply-to', '1');
    assert.is(replied.code, 0, replied.stderr);
    const text = await as('ann', 'history', 'ben');
    assert.is(text.code, 0, text.stderr);
    assert.match(text.stdout, /^#1 \[[^\]]+\] ann → ben: the plan \(edited\)\n    🎉 1\n/);
    assert.match(text.stdout, /    > #1 ann: the plan\n#4 \[[^\]]+\] ben → ann: sounds good\n$/);
    const removed = await as('ben', 'react', 'ann', '1', '🎉', '--remove', '--json');
    assert.equal(jsonLines(removed.stdout).map((r) => [r.type, r.changed]), [['reacted', true]]);
    const bad = await as('ben', 'delete', 'ann', '1');
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /^CHAT_ERR_NOT_YOURS: /);
    assert.is((await as('ann', 'delete', 'ben', '1')).code, 0);
    // ann's listen: ben's reaction, reply and removal are after her cursor; her own entries are not printed
    const listen = await as('ann', 'listen', '--count', '1', '--timeout', '5', '--json');
    assert.is(listen.code, 0, listen.stderr);
    assert.equal(jsonLines(listen.stdout).map((r) => [r.type, r.seq]), [['reaction', 3], ['message', 4]], '--count 1 stops at the first message');
    const rest = await as('ann', 'listen', '--timeout', '2');
    assert.match(rest.stdout, /^#5 \[[^\]]+\] ben → ann: took back 🎉 on #1\n$/);
    const gone = await as('ben', 'history', 'ann', '--json');
    assert.equal(jsonLines(gone.stdout).map((r) => [r.seq, r.deleted ?? false, r.text]), [[1, true, ''], [4, false, 'sounds good']]);
  } finally {
    await server.stop();
  }
});

events('two nodes on MySQL + Redis: an edit, a reaction and a deletion reach a session on the other node live', async () => {
  const file = 'test/integration/message-events.test.ts';
  if (!(await requireMariadb(file)) || !requireRedisServer(file)) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const args = (id: string) => ['--node-id', id, '--redis', redis.url, '--presence-ttl-ms', '900'];
  const n1 = await startServer({ db: db.url, args: args('n1') });
  const n2 = await startServer({ db: db.url, args: args('n2') });
  const alice = await connectAs(n1, 'alice');
  const bob = await connectAs(n2, 'bob');
  try {
    await befriend(alice, 'alice', bob, 'bob');
    const seen = pushesOf(bob);
    const m = await alice.request('send', { to: 'bob', text: 'one', client_msg_id: 'x-1' });
    await alice.request('edit', { with: 'bob', seq: m.seq, text: 'one!', client_msg_id: 'x-2' });
    await alice.request('react', { with: 'bob', seq: m.seq, emoji: '✅', client_msg_id: 'x-3' });
    await alice.request('delete', { with: 'bob', seq: m.seq, client_msg_id: 'x-4' });
    await waitFor(() => seen.some((f) => f.type === 'delete'), 10_000, 'the delete push on n2');
    assert.equal(seen.filter((f) => f.type !== 'presence').map((f) => f.type), ['message', 'edit', 'reaction', 'delete']);
    const page = await bob.request('history', { with: 'alice' });
    assert.equal([page.messages.length, page.messages[0]!.deleted], [1, true]);
  } finally {
    alice.destroy();
    bob.destroy();
    await n1.stop();
    await n2.stop();
    await redis.kill();
    await db.drop();
  }
});

events.run();
