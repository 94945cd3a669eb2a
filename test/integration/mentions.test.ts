// Mentions over a real server: `send` names members in `mentions`, the server keeps the members
// among them, stores them with the message and pushes them; history, sync and search carry them;
// `unread` counts the unread messages that mention you. Then the CLI, and two nodes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { MENTIONS_MAX, type PushFrame } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, jsonLines, runCli, startServer, waitFor } from '../helpers/server.ts';

const mentions = suite('mentions');

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

const messagePushes = (seen: PushFrame[]) => seen.filter((f): f is Extract<PushFrame, { type: 'message' }> => f.type === 'message');

mentions('members only, by their own names; pushed, in history, sync and search; unread counts them until read; retries count once', async () => {
  const server = await startServer();
  const alice = await connectAs(server, 'alice');
  const bob = await connectAs(server, 'bob');
  const carol = await connectAs(server, 'Carol Smith');
  const dave = await connectAs(server, 'dave');
  try {
    await alice.request('group_create', { group: 'dev' });
    await bob.request('group_join', { group: 'dev' });
    await carol.request('group_join', { group: 'dev' });
    const seen = pushesOf(bob);
    // dave exists but is not in dev; nobody is no user at all: both are dropped without a word.
    const sent = await alice.request('send', { group: 'dev', text: 'bob, carol smith: review?', mentions: ['BOB', 'carol smith', 'dave', 'nobody', 'bob'], client_msg_id: 'm-1' });
    await waitFor(() => messagePushes(seen).length === 1, 5000, 'the push');
    assert.equal(messagePushes(seen)[0]!.mentions, ['bob', 'Carol Smith'], 'the stored names, each once, non-members dropped');
    const plain = await alice.request('send', { group: 'dev', text: 'plain', mentions: ['dave'] });
    await waitFor(() => messagePushes(seen).length === 2, 5000, 'the second push');
    assert.is(messagePushes(seen)[1]!.mentions, undefined, 'no member named: no mentions field');
    assert.is((await alice.request('send', { group: 'dev', text: 'bob again', mentions: ['bob'], client_msg_id: 'm-1' })).duplicate, true);

    const unreadOf = async (c: ChatClient) => (await c.request('unread', {})).unread.map((u) => [u.group ?? u.with, u.count, u.mentions]);
    assert.equal(await unreadOf(bob), [['dev', 2, 1]], 'the retry counted once');
    assert.equal(await unreadOf(carol), [['dev', 2, 1]]);
    assert.equal((await bob.request('conversations', {})).conversations.map((c) => c.mentions), [1]);

    const history = await bob.request('history', { group: 'dev' });
    assert.equal(history.messages.map((m) => m.mentions), [['bob', 'Carol Smith'], undefined]);
    const synced = await bob.request('sync', { conversation: sent.conversation, after: 0 });
    assert.equal(synced.messages.map((m) => m.mentions), [['bob', 'Carol Smith'], undefined]);
    const found = await bob.request('search', { query: 'review' });
    assert.equal(found.results.map((m) => m.mentions), [['bob', 'Carol Smith']]);

    await bob.request('read', { conversation: sent.conversation, seq: sent.seq });
    assert.equal(await unreadOf(bob), [['dev', 1, 0]], 'read past the mention');
    await alice.request('delete', { group: 'dev', seq: sent.seq });
    assert.equal(await unreadOf(carol), [['dev', 1, 0]], 'a deleted message is no mention, and no longer unread');
    assert.equal((await carol.request('history', { group: 'dev' })).messages.map((m) => m.mentions), [undefined, undefined]);
    assert.is(plain.seq, 2);

    // 1:1: the peer is the only other member.
    await befriend(alice, 'alice', dave, 'dave');
    const seenByDave = pushesOf(dave);
    await alice.request('send', { to: 'dave', text: 'dave?', mentions: ['dave', 'bob'] });
    await waitFor(() => messagePushes(seenByDave).length === 1, 5000, 'the direct push');
    assert.equal(messagePushes(seenByDave)[0]!.mentions, ['dave']);
    assert.equal(await unreadOf(dave), [['alice', 1, 1]]);

    // Bad values: refused with a code, nothing stored.
    assert.is(await codeOf(alice.request('send', { group: 'dev', text: 'x', mentions: 'bob' } as never)), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(alice.request('send', { group: 'dev', text: 'x', mentions: [7] } as never)), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(alice.request('send', { group: 'dev', text: 'x', mentions: [''] })), 'CHAT_ERR_BAD_FIELD');
    const tooMany = Array.from({ length: MENTIONS_MAX + 1 }, (_, i) => `u${i}`);
    assert.is(await codeOf(alice.request('send', { group: 'dev', text: 'x', mentions: tooMany })), 'CHAT_ERR_BAD_FIELD');
    assert.is(await codeOf(alice.request('send', { group: 'dev', text: 'x', mentions: ['bo\u0007b'] })), 'CHAT_ERR_BAD_NAME');
    assert.is((await alice.request('send', { group: 'dev', text: 'fifty', mentions: tooMany.slice(1) })).seq, 4, 'up to the limit is fine');
  } finally {
    for (const c of [alice, bob, carol, dave]) c.destroy();
    await server.stop();
  }
});

mentions('CLI: send --mention (repeatable, names with spaces), unread --json counts them, listen prints them', async () => {
  const server = await startServer();
  const as = (user: string, ...args: string[]) => runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret`, ...args]);
  try {
    for (const u of ['ann', 'ben', 'Cy Twombly']) assert.is((await runCli(['--server', server.address, 'register', '--user', u, '--password', `${u}-s3cret`])).code, 0);
    assert.is((await as('ann', 'group', 'create', 'art')).code, 0);
    assert.is((await as('ben', 'group', 'join', 'art')).code, 0);
    assert.is((await as('Cy Twombly', 'group', 'join', 'art')).code, 0);
    const sent = await as('ann', 'send', '--group', 'art', 'look', 'at', 'this', '--mention', 'ben', '--mention', 'cy twombly');
    assert.is(sent.code, 0, sent.stderr);
    assert.is((await as('ann', 'send', '--group', 'art', 'and this')).code, 0);
    const unread = await as('ben', 'unread', '--json');
    assert.is(unread.code, 0, unread.stderr);
    assert.equal(jsonLines(unread.stdout).map((r) => [r.type, r.group, r.count, r.mentions]), [['unread', 'art', 2, 1]]);
    const text = await as('ben', 'unread');
    assert.match(text.stdout, /^#art\t2\t\(1 mentioning you\)\n$/);
    const listen = await as('ben', 'listen', '--count', '2', '--timeout', '5');
    assert.is(listen.code, 0, listen.stderr);
    assert.match(listen.stdout, /^#1 \[[^\]]+\] ann #art: look at this\n    mentions: ben, Cy Twombly\n#2 \[[^\]]+\] ann #art: and this\n$/);
    const json = await as('Cy Twombly', 'history', '--group', 'art', '--json');
    assert.equal(jsonLines(json.stdout).map((r) => r.mentions), [['ben', 'Cy Twombly'], undefined]);
  } finally {
    await server.stop();
  }
});

mentions('two nodes on MySQL + Redis: the push to a session on the other node carries the mentions', async () => {
  const file = 'test/integration/mentions.test.ts';
  if (!(await requireMariadb(file)) || !requireRedisServer(file)) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const args = (id: string) => ['--node-id', id, '--redis', redis.url, '--presence-ttl-ms', '900'];
  const n1 = await startServer({ db: db.url, args: args('n1') });
  const n2 = await startServer({ db: db.url, args: args('n2') });
  const alice = await connectAs(n1, 'alice');
  const bob = await connectAs(n2, 'bob smith');
  try {
    await alice.request('group_create', { group: 'ops' });
    await bob.request('group_join', { group: 'ops' });
    const seen = pushesOf(bob);
    await alice.request('send', { group: 'ops', text: 'bob smith: pager', mentions: ['Bob Smith'] });
    await waitFor(() => messagePushes(seen).length === 1, 10_000, 'the push on n2');
    assert.equal(messagePushes(seen)[0]!.mentions, ['bob smith']);
    assert.equal((await bob.request('unread', {})).unread.map((u) => u.mentions), [1]);
  } finally {
    alice.destroy();
    bob.destroy();
    await n1.stop();
    await n2.stop();
    await redis.kill();
    await db.drop();
  }
});

mentions.run();
