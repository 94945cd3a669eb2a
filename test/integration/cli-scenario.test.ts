// test-timeout: 240
// The core issue's scripted session, word for word, through the real `chat` binary against
// the real `chat serve` process: exit codes, stdout and stderr.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';

const cli = suite('chat CLI: the scripted session');
let server: RunningServer;
const as = (user: string, ...args: string[]) =>
  runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret`, ...args]);

cli.before(async () => {
  server = await startServer();
});
cli.after(async () => {
  assert.is(await server.stop(), 0, 'graceful stop exits 0');
});

cli('register prints the new user id', async () => {
  const alice = await runCli(['--server', server.address, 'register', '--user', 'alice', '--password', 'alice-s3cret']);
  assert.is(alice.code, 0, alice.stderr);
  assert.match(alice.stdout, /^\d+\n$/);
  const bob = await runCli(['--server', server.address, 'register', '--user', 'bob', '--password', 'bob-s3cret']);
  assert.is(bob.code, 0, bob.stderr);
  assert.is.not(bob.stdout, alice.stdout);
});

cli('a friend request needs consent, and bob sees it', async () => {
  const add = await as('alice', 'friend', 'add', 'bob');
  assert.is(add.code, 0, add.stderr);
  const pending = jsonLines((await as('bob', 'friends', '--json')).stdout);
  assert.equal(pending, [{ type: 'request', name: 'alice', direction: 'in' }]);
  const early = await as('alice', 'send', 'bob', 'too early');
  assert.is(early.code, 1);
  assert.match(early.stderr, /^CHAT_ERR_NOT_FRIENDS: /);
  const accept = await as('bob', 'friend', 'accept', 'alice');
  assert.is(accept.code, 0, accept.stderr);
});

cli('an offline message waits for the next listen, which acks what it printed', async () => {
  const sent = await as('alice', 'send', 'bob', 'hi bob');
  assert.is(sent.code, 0, sent.stderr);
  const listen = await as('bob', 'listen', '--count', '1', '--timeout', '5', '--json');
  assert.is(listen.code, 0, listen.stderr);
  const [m, ...rest] = jsonLines(listen.stdout);
  assert.is(rest.length, 0);
  assert.is(m.type, 'message');
  assert.is(m.from, 'alice');
  assert.is(m.to, 'bob');
  assert.is(m.text, 'hi bob');
  assert.is(m.seq, 1);
  assert.type(m.conversation, 'string');
  assert.match(m.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // Acked: the next listen has nothing and times out with exit 4.
  const again = await as('bob', 'listen', '--count', '1', '--timeout', '1', '--json');
  assert.is(again.code, 4);
  assert.is(again.stdout, '');
});

cli('groups: create, join, send, and history of both kinds', async () => {
  const create = await as('alice', 'group', 'create', 'dev', '--desc', 'dev talk');
  assert.is(create.code, 0, create.stderr);
  const join = await as('bob', 'group', 'join', 'dev');
  assert.is(join.code, 0, join.stderr);
  const send = await as('alice', 'send', '--group', 'dev', 'standup in 5');
  assert.is(send.code, 0, send.stderr);
  const history = await as('bob', 'history', 'alice', '--limit', '50', '--json');
  assert.is(history.code, 0, history.stderr);
  assert.equal(jsonLines(history.stdout).map((m) => [m.type, m.from, m.text]), [['message', 'alice', 'hi bob']]);
  const group = jsonLines((await as('bob', 'history', '--group', 'dev', '--json')).stdout);
  assert.equal(group.map((m) => [m.from, m.group, m.text]), [['alice', 'dev', 'standup in 5']]);
  const groups = jsonLines((await as('bob', 'groups', '--json')).stdout);
  assert.equal(groups, [{ type: 'group', name: 'dev', desc: 'dev talk', role: 'member', members: 2, private: false, history: 'shared' }]);
  const members = jsonLines((await as('bob', 'group', 'members', 'dev', '--json')).stdout);
  assert.equal(members.map((m) => [m.type, m.name, m.role]).sort(), [['member', 'alice', 'creator'], ['member', 'bob', 'member']]);
});

cli('friends with online state, and unread counts per conversation', async () => {
  const friends = jsonLines((await as('bob', 'friends', '--json')).stdout);
  assert.equal(friends, [{ type: 'friend', name: 'alice', online: false }]);
  const unread = jsonLines((await as('bob', 'unread', '--json')).stdout);
  // listen acks (delivered) but does not read; history without --mark-read does not read either.
  assert.equal(unread.map((u) => [u.type, u.with ?? `#${u.group}`, u.count]).sort(), [['unread', '#dev', 1], ['unread', 'alice', 1]]);
  const marked = await as('bob', 'history', 'alice', '--mark-read', '--json');
  assert.is(marked.code, 0, marked.stderr);
  const after = jsonLines((await as('bob', 'unread', '--json')).stdout);
  assert.equal(after.map((u) => [u.with ?? `#${u.group}`, u.count]).sort(), [['#dev', 1], ['alice', 0]]);
});

cli('text is data: numbers and option-like text arrive byte for byte', async () => {
  for (const text of ['1.50', '007', '--help', '-x', "it's '; DROP TABLE users; --", 'emoji 🎉 and 中文', '  spaced  ']) {
    const args = text.startsWith('-') ? ['send', 'bob', '--', text] : ['send', 'bob', text];
    const r = await as('alice', ...args);
    assert.is(r.code, 0, `${text}: ${r.stderr}`);
  }
  const seen = jsonLines((await as('bob', 'listen', '--count', '7', '--timeout', '5', '--json')).stdout).map((m) => m.text);
  assert.equal(seen, ['1.50', '007', '--help', '-x', "it's '; DROP TABLE users; --", 'emoji 🎉 and 中文', '  spaced  ']);
});

cli('env vars and --password-stdin stand in for flags', async () => {
  const viaEnv = await runCli(['friends', '--json'], { env: { CHAT_SERVER: server.address, CHAT_USER: 'bob', CHAT_PASSWORD: 'bob-s3cret' } });
  assert.is(viaEnv.code, 0, viaEnv.stderr);
  assert.is(jsonLines(viaEnv.stdout)[0].name, 'alice');
  const viaStdin = await runCli(['--server', server.address, '--user', 'bob', '--password-stdin', 'friends', '--json'], { input: 'bob-s3cret\n' });
  assert.is(viaStdin.code, 0, viaStdin.stderr);
});

cli('exit codes: 1 refused, 2 usage, 3 unreachable', async () => {
  const wrong = await runCli(['--server', server.address, '--user', 'bob', '--password', 'not-the-password', 'friends']);
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /^CHAT_ERR_AUTH_FAILED: /);
  const taken = await runCli(['--server', server.address, 'register', '--user', 'ALICE', '--password', 'whatever-123']);
  assert.is(taken.code, 1);
  assert.match(taken.stderr, /^CHAT_ERR_NAME_TAKEN: /);
  const short = await runCli(['--server', server.address, 'register', '--user', 'carol', '--password', 'short']);
  assert.is(short.code, 1);
  assert.match(short.stderr, /^CHAT_ERR_BAD_PASSWORD: /);
  const usage = await runCli(['--server', server.address, 'frobnicate']);
  assert.is(usage.code, 2);
  const noUser = await runCli(['--server', server.address, 'friends']);
  assert.is(noUser.code, 2);
  const badCount = await as('bob', 'listen', '--count', 'many');
  assert.is(badCount.code, 2);
  // A port nothing listens on: the server we started, stopped.
  const gone = await startServer();
  const address = gone.address;
  await gone.stop();
  const unreachable = await runCli(['--server', address, '--user', 'bob', '--password', 'bob-s3cret', 'friends']);
  assert.is(unreachable.code, 3);
  assert.match(unreachable.stderr, /^CHAT_ERR_CONNECT: /);
});

cli('bare chat without a terminal (a pipe, a script) prints help', async () => {
  const bare = await runCli([]);
  assert.is(bare.code, 0);
  assert.match(bare.stdout + bare.stderr, /chat send/);
});

cli.run();
