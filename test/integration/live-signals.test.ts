// test-timeout: 150
// Typing notices and read receipts through real servers: they reach the right sessions (on
// one node, and across two nodes on MySQL + Redis), they are limited, and `chat receipts` and
// `chat listen` show them.
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';
import { CHAT_BIN, ROOT, befriend, connectAs, jsonLines, runCli, startServer, waitFor, type RunningServer } from '../helpers/server.ts';

const FILE = 'test/integration/live-signals.test.ts';
const pushesOf = (c: ChatClient): PushFrame[] => {
  const got: PushFrame[] = [];
  c.onPush((f) => got.push(f));
  return got;
};
const ofType = <T extends PushFrame['type']>(got: PushFrame[], type: T) => got.filter((f) => f.type === type) as Extract<PushFrame, { type: T }>[];

const one = suite('typing and receipts on one node');
let server: RunningServer;
let alice: ChatClient;
let bob: ChatClient;
let carol: ChatClient;
let direct: string;
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
  for (const text of ['one', 'two', 'three']) direct = (await bob.request('send', { to: 'alice', text })).conversation;
  for (const text of ['g1', 'g2']) await alice.request('send', { group: 'devs', text });
});
one.after(async () => {
  for (const c of [alice, bob, carol]) c?.destroy();
  await server?.stop();
});

one('typing reaches the other members only, once per 2 s per session and conversation', async () => {
  const atBob = pushesOf(bob);
  const atCarol = pushesOf(carol);
  const atAlice = pushesOf(alice);
  assert.equal(await alice.request('typing', { group: 'devs' }), { conversation: (await alice.request('history', { group: 'devs', limit: 1 })).conversation, forwarded: true });
  assert.is((await alice.request('typing', { group: 'devs' })).forwarded, false, 'the second within 2 s is not forwarded');
  assert.is((await alice.request('typing', { with: 'bob' })).forwarded, true, 'another conversation has its own limit');
  // a message after the notices: once bob has it, every notice that was forwarded has arrived
  await alice.request('send', { group: 'devs', text: 'marker' });
  await waitFor(() => ofType(atBob, 'message').length === 1 && ofType(atCarol, 'message').length === 1, 5000, 'the marker');
  assert.equal(ofType(atBob, 'typing').map((f) => [f.from, f.group ?? null]), [['alice', 'devs'], ['alice', null]]);
  assert.equal(ofType(atCarol, 'typing').map((f) => [f.from, f.group]), [['alice', 'devs']]);
  assert.equal(ofType(atAlice, 'typing'), [], 'no notice goes back to the typist');
});

one('a 1:1 read sends the peer a receipt; a burst ends on the last read position', async () => {
  const atBob = pushesOf(bob);
  await alice.request('read', { conversation: direct, seq: 1 });
  await alice.request('read', { conversation: direct, seq: 2 });
  await alice.request('read', { conversation: direct, seq: 3 });
  await waitFor(() => ofType(atBob, 'receipt').at(-1)?.read === 3, 10_000, 'the receipt for seq 3');
  const receipts = ofType(atBob, 'receipt');
  assert.equal(receipts[0], { type: 'receipt', conversation: direct, from: 'alice', read: 1 });
  assert.ok(receipts.length <= 2, `one at once and one trailing, not one per read: ${JSON.stringify(receipts)}`);
});

one('receipts in a group: who of the others has read up to a seq; chat receipts prints it', async () => {
  const conv = (await carol.request('history', { group: 'devs', limit: 1 })).conversation;
  await carol.request('read', { conversation: conv, seq: 2 });
  const r = await alice.request('receipts', { group: 'devs', seq: 2 });
  assert.equal(r, { conversation: conv, seq: 2, read: 1, of: 2, members: ['carol'] });
  const cli = await as('alice', 'receipts', '--group', 'devs', '2', '--json');
  assert.is(cli.code, 0, cli.stderr);
  assert.equal(jsonLines(cli.stdout), [{ type: 'receipts', ...r }]);
  assert.is((await as('alice', 'receipts', '--group', 'devs', '1')).stdout, '#1\tread by 1 of 2: carol\n');
  const beyond = await as('alice', 'receipts', '--group', 'devs', '99');
  assert.is(beyond.code, 1);
  assert.match(beyond.stderr, /^CHAT_ERR_BAD_CURSOR: /);
  assert.is((await as('alice', 'receipts', '--group', 'devs')).code, 2, 'no seq');
  const outsider = await runCli(['--server', server.address, '--user', 'dave', '--password', 'dave-s3cret-pw', 'register']);
  assert.is(outsider.code, 0, outsider.stderr);
  const refused = await runCli(['--server', server.address, '--user', 'dave', '--password', 'dave-s3cret-pw', 'receipts', '--group', 'devs', '1']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /^CHAT_ERR_NOT_MEMBER: /);
});

one('chat listen prints receipts as lines of their own type, and does not count them', async () => {
  // no backlog: listen's one message is the one sent below
  for (const c of (await bob.request('conversations', {})).conversations) await bob.request('ack', { conversation: c.conversation, seq: c.last_seq });
  const listen = spawn(process.execPath, [CHAT_BIN, '--server', server.address, '--user', 'bob', '--password', 'bob-s3cret-pw', 'listen', '--json', '--count', '1', '--timeout', '30'], {
    cwd: ROOT, env: { ...process.env, CHAT_SERVER: '', CHAT_USER: '', CHAT_PASSWORD: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  listen.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => listen.on('close', resolve));
  try {
    const logins = () => server.logs.filter((l) => l.includes('"msg":"login"')).length;
    const before = logins();
    await waitFor(() => logins() > before, 20_000, 'listen to log in');
    const seq = (await bob.request('send', { to: 'alice', text: 'four' })).seq;
    await alice.request('read', { conversation: direct, seq });
    // at once, or at the end of the 1 s window the previous test's reads opened
    await waitFor(() => stdout.includes('"type":"receipt"'), 20_000, 'the receipt line');
    assert.equal(jsonLines(stdout).filter((l) => l.type === 'receipt').at(-1), { type: 'receipt', conversation: direct, from: 'alice', read: seq });
    await alice.request('send', { to: 'bob', text: 'the one message' });
    assert.is(await exited, 0, 'exits after --count 1 message: the receipt did not count');
    assert.equal(jsonLines(stdout).filter((l) => l.type === 'message').map((l) => l.text), ['the one message']);
  } finally {
    listen.kill();
  }
});
one.run();

const ready = requireRedisServer(FILE) && (await requireMariadb(FILE));
if (ready) {
  const two = suite('typing and receipts across two nodes');
  const db = scratchDb();
  let redis: PrivateRedis;
  const nodes: RunningServer[] = [];
  two.before(async () => {
    redis = await startPrivateRedis();
    nodes.push(await startServer({ db: db.url, args: ['--redis', redis.url, '--node-id', 'n1'] }));
    nodes.push(await startServer({ db: db.url, args: ['--redis', redis.url, '--node-id', 'n2'] }));
  });
  two.after(async () => {
    for (const n of nodes) await n.stop();
    await redis?.destroy();
    await db.drop();
  });
  two('typing and a receipt on node 1 reach the peer on node 2', async () => {
    const ann = await connectAs(nodes[0]!, 'ann');
    const ben = await connectAs(nodes[1]!, 'ben');
    try {
      await befriend(ann, 'ann', ben, 'ben');
      const atBen = pushesOf(ben);
      const sent = await ben.request('send', { to: 'ann', text: 'hello across' });
      assert.is((await ann.request('typing', { with: 'ben' })).forwarded, true);
      await ann.request('read', { conversation: sent.conversation, seq: sent.seq });
      await waitFor(() => ofType(atBen, 'typing').length === 1 && ofType(atBen, 'receipt').length === 1, 10_000, 'both pushes on node 2');
      assert.equal(ofType(atBen, 'typing')[0], { type: 'typing', conversation: sent.conversation, from: 'ann' });
      assert.equal(ofType(atBen, 'receipt')[0], { type: 'receipt', conversation: sent.conversation, from: 'ann', read: sent.seq });
    } finally {
      ann.destroy();
      ben.destroy();
    }
  });
  two.run();
}
