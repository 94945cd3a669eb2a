// test-timeout: 120
// Accounts over the protocol and the CLI on one SQLite node: passwd, sessions, logout --all.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { ErrorCode } from '../../lib/protocol/errors.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { KEY, startTui } from '../helpers/pty.ts';
import { connectAs, jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('accounts');
let server: RunningServer;
test.before(async () => {
  server = await startServer();
});
test.after(async () => {
  await server?.stop();
});

const login = async (user: string, password: string, clientName = 'test') => {
  const c = await ChatClient.connect({ host: server.host, port: server.port, clientName });
  const me = await c.request('login', { user, password });
  return Object.assign(c, { token: me.token });
};
const sleepless = async <T>(check: () => Promise<T | undefined>, what: string): Promise<T> => {
  // Bounded by the file's time limit; no interval is asserted.
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Resolves with the code of the server's last word when the connection closes. */
export function closedWith(c: ChatClient): Promise<ErrorCode | undefined> {
  return new Promise((resolve) => {
    if (c.closed) resolve(undefined);
    c.onClose((err) => resolve((err as { code?: ErrorCode } | undefined)?.code));
  });
}

test('passwd: checks the current password, re-hashes, and ends every other session and token', async () => {
  const a1 = await connectAs(server, 'pia', 'first-password');
  const a2 = await login('pia', 'first-password');
  const a3 = await login('pia', 'first-password');
  const a2closed = closedWith(a2);
  const a3closed = closedWith(a3);
  await rejectsWith(a1.request('passwd', { password: 'wrong-password', new_password: 'second-password' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(a1.request('passwd', { password: 'first-password', new_password: 'short' }), 'CHAT_ERR_BAD_PASSWORD');
  assert.equal(await a1.request('passwd', { password: 'first-password', new_password: 'second-password' }), { revoked: 2 });
  assert.is(await a2closed, 'CHAT_ERR_SESSION_REVOKED');
  assert.is(await a3closed, 'CHAT_ERR_SESSION_REVOKED');
  await a1.request('ping', {}); // this session stays
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await rejectsWith(c.request('login', { token: a2.token }), 'CHAT_ERR_TOKEN_INVALID');
  await rejectsWith(c.request('login', { user: 'pia', password: 'first-password' }), 'CHAT_ERR_AUTH_FAILED');
  await c.request('login', { user: 'pia', password: 'second-password' });
  for (const x of [a1, c]) x.destroy();
});

test('passwd with keep_sessions leaves the other sessions and their tokens alone', async () => {
  const a1 = await connectAs(server, 'kim', 'first-password');
  const a2 = await login('kim', 'first-password');
  assert.equal(await a1.request('passwd', { password: 'first-password', new_password: 'second-password', keep_sessions: true }), { revoked: 0 });
  await a2.request('ping', {});
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await c.request('login', { token: a2.token });
  for (const x of [a1, a2, c]) x.destroy();
});

test('chat passwd --password-stdin: line 1 current, line 2 new; refusals exit 1 with the code; no terminal exits 2', async () => {
  await connectAs(server, 'lou', 'first-password').then((c) => c.destroy());
  const other = await login('lou', 'first-password');
  const otherClosed = closedWith(other);
  const env = { CHAT_SERVER: server.address, CHAT_USER: 'lou' };
  const wrong = await runCli(['passwd', '--password-stdin'], { env, input: 'nope-nope-nope\nsecond-password\n' });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /^CHAT_ERR_AUTH_FAILED/);
  const noTerminal = await runCli(['passwd'], { env });
  assert.is(noTerminal.code, 2);
  const ok = await runCli(['passwd', '--password-stdin', '--json'], { env, input: 'first-password\nsecond-password\n' });
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(jsonLines(ok.stdout), [{ type: 'password_changed', user: 'lou', revoked: 2 }]); // connectAs's token and other's
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
  (await login('lou', 'second-password')).destroy();
});

test('chat passwd on a terminal asks without echo, twice for the new password', async () => {
  await connectAs(server, 'max', 'first-password').then((c) => c.destroy());
  const tui = startTui(['passwd', '--server', server.address, '--user', 'max']);
  try {
    await tui.waitFor('Current password:', 10_000);
    tui.write('first-passwordX' + KEY.backspace + KEY.enter);
    await tui.waitFor('New password:');
    tui.write('second-password' + KEY.enter);
    await tui.waitFor('New password again:');
    tui.write('second-password' + KEY.enter);
    await tui.waitFor('password changed', 10_000);
    assert.not.ok(tui.text().includes('first-password'), 'the current password was echoed');
    assert.not.ok(tui.text().includes('second-password'), 'the new password was echoed');
    assert.is(await tui.waitExit(10_000), 0);
  } finally {
    tui.kill();
  }
  (await login('max', 'second-password')).destroy();
});

test('sessions lists every token with its client, node, address and times; revoke ends one on its connection', async () => {
  await connectAs(server, 'sam', 'sam-password').then((c) => c.destroy());
  const phone = await login('sam', 'sam-password', 'phone');
  const laptop = await login('sam', 'sam-password', 'laptop 2.1');
  const tablet = await login('sam', 'sam-password', 'tablet');
  tablet.destroy();
  const list = await sleepless(async () => {
    const r = await phone.request('sessions', {});
    return r.sessions.some((s) => s.client === 'tablet' && !s.live) ? r.sessions : undefined;
  }, 'the tablet to let go of its token');
  assert.is(list.length, 4, 'connectAs, phone, laptop, tablet');
  const by = (client: string) => list.find((s) => s.client === client)!;
  assert.equal([by('phone').current, by('phone').live, by('laptop 2.1').current, by('laptop 2.1').live], [true, true, false, true]);
  for (const s of list) {
    assert.match(s.id, /^s[0-9a-f]{16}$/);
    assert.not.ok(s.id.includes(phone.token) || s.id.includes(laptop.token));
    assert.ok(Date.parse(s.login) <= Date.parse(s.last_used) && Date.parse(s.last_used) < Date.parse(s.expires));
  }
  assert.equal([by('laptop 2.1').node, by('laptop 2.1').address], ['n1', '127.0.0.1']);
  assert.ok(Date.parse(by('tablet').last_used) >= Date.parse(by('tablet').login));

  await rejectsWith(phone.request('sessions_revoke', { session: 'snope' }), 'CHAT_ERR_NO_SUCH_SESSION');
  await rejectsWith(phone.request('sessions_revoke', { session: by('phone').id }), 'CHAT_ERR_SELF');
  const laptopClosed = closedWith(laptop);
  assert.equal(await phone.request('sessions_revoke', { session: by('laptop 2.1').id }), { session: by('laptop 2.1').id });
  assert.is(await laptopClosed, 'CHAT_ERR_SESSION_REVOKED');
  const again = await ChatClient.connect({ host: server.host, port: server.port });
  await rejectsWith(again.request('login', { token: laptop.token }), 'CHAT_ERR_TOKEN_INVALID');
  assert.equal((await phone.request('sessions', {})).sessions.map((s) => s.client).sort(), ['chat-cli', 'phone', 'tablet']);
  // Another user cannot see or revoke them.
  const eve = await connectAs(server, 'eve', 'eve-password');
  await rejectsWith(eve.request('sessions_revoke', { session: by('tablet').id }), 'CHAT_ERR_NO_SUCH_SESSION');
  assert.is((await eve.request('sessions', {})).sessions.length, 1);
  for (const c of [phone, again, eve]) c.destroy();
});

test('logout all revokes every token and closes every other session; this one is signed out', async () => {
  await connectAs(server, 'ada', 'ada-password').then((c) => c.destroy());
  const a1 = await login('ada', 'ada-password');
  const a2 = await login('ada', 'ada-password');
  const a2closed = closedWith(a2);
  const r = await a1.request('logout', { all: true });
  assert.equal(r, { revoked: 3 });
  assert.is(await a2closed, 'CHAT_ERR_SESSION_REVOKED');
  await rejectsWith(a1.request('friends', {}), 'CHAT_ERR_NOT_LOGGED_IN');
  await rejectsWith(a1.request('login', { token: a1.token }), 'CHAT_ERR_TOKEN_INVALID');
  await rejectsWith(a1.request('login', { token: a2.token }), 'CHAT_ERR_TOKEN_INVALID');
  await a1.request('login', { user: 'ada', password: 'ada-password' }); // the password still works
  a1.destroy();
});

test('chat sessions [--json], chat sessions revoke ID, chat logout --all', async () => {
  await connectAs(server, 'bo', 'bo-password').then((c) => c.destroy());
  const other = await login('bo', 'bo-password', 'other');
  const env = { CHAT_SERVER: server.address, CHAT_USER: 'bo', CHAT_PASSWORD: 'bo-password' };
  const listed = await runCli(['sessions', '--json'], { env });
  assert.is(listed.code, 0, listed.stderr);
  const rows = jsonLines(listed.stdout);
  assert.ok(rows.every((r) => r.type === 'session'));
  assert.equal(rows.map((r) => [r.client, r.current]).sort(), [['chat-cli', false], ['chat-cli', true], ['other', false]]);
  const human = await runCli(['sessions'], { env });
  assert.match(human.stdout, /this session/);
  const target = rows.find((r) => r.client === 'other')!;
  const otherClosed = closedWith(other);
  const revoked = await runCli(['sessions', 'revoke', target.id, '--json'], { env });
  assert.equal(jsonLines(revoked.stdout), [{ type: 'session_revoked', session: target.id }]);
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
  const unknown = await runCli(['sessions', 'revoke', 'snothing'], { env });
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /^CHAT_ERR_NO_SUCH_SESSION/);
  assert.is((await runCli(['logout'], { env })).code, 2);
  const another = await login('bo', 'bo-password');
  const anotherClosed = closedWith(another);
  const out = await runCli(['logout', '--all', '--json'], { env });
  assert.is(out.code, 0, out.stderr);
  assert.equal(jsonLines(out.stdout), [{ type: 'logged_out', all: true, revoked: 3 }]);
  assert.is(await anotherClosed, 'CHAT_ERR_SESSION_REVOKED');
});

test('account_delete: groups pass on, friendships and sessions end, messages stay as from_deleted, the name stays taken', async () => {
  const dee = await connectAs(server, 'dee', 'dee-password');
  const fay = await connectAs(server, 'fay', 'fay-password');
  await dee.request('friend_add', { user: 'fay' });
  await fay.request('friend_accept', { user: 'dee' });
  await dee.request('group_create', { group: 'dees' });
  await fay.request('group_join', { group: 'dees' });
  await dee.request('send', { to: 'fay', text: 'hello fay' });
  await dee.request('send', { group: 'dees', text: 'hello group' });
  const other = await login('dee', 'dee-password');
  const otherClosed = closedWith(other);
  const events: unknown[] = [];
  fay.onPush((f) => events.push(f));
  await rejectsWith(dee.request('account_delete', { password: 'wrong-password' }), 'CHAT_ERR_AUTH_FAILED');
  assert.equal(await dee.request('account_delete', { password: 'dee-password' }), { user: 'dee' });
  assert.is(await otherClosed, 'CHAT_ERR_SESSION_REVOKED');
  await rejectsWith(dee.request('friends', {}), 'CHAT_ERR_NOT_LOGGED_IN');
  await rejectsWith(dee.request('login', { user: 'dee', password: 'dee-password' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(dee.request('login', { token: other.token }), 'CHAT_ERR_TOKEN_INVALID');
  // fay: the friendship is gone, the group is hers, and the messages are there without a name.
  await sleepless(async () => (events.some((e: any) => e.type === 'group_event' && e.event === 'creator') ? true : undefined), 'the creator event');
  assert.ok(events.some((e: any) => e.type === 'friend_update' && e.user === 'dee' && e.status === 'removed'));
  assert.equal((await fay.request('friends', {})).friends, []);
  assert.equal((await fay.request('groups', {})).groups.map((g) => [g.name, g.role, g.members]), [['dees', 'creator', 1]]);
  const group = await fay.request('history', { group: 'dees' });
  assert.equal(group.messages.map((m) => [m.from, m.from_deleted, m.text]), [['', true, 'hello group']]);
  const direct = (await fay.request('conversations', {})).conversations.find((c) => c.with !== undefined)!;
  const page = await fay.request('sync', { conversation: direct.conversation });
  assert.equal(page.messages.map((m) => [m.from, m.from_deleted, m.text]), [['', true, 'hello fay']]);
  // The name cannot be registered again (for 30 days).
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await rejectsWith(c.request('register', { user: 'DEE', password: 'new-dee-password' }), 'CHAT_ERR_NAME_TAKEN');
  for (const x of [dee, fay, c]) x.destroy();
});

test('chat account delete: no terminal and no --yes exits 2; --password-stdin --yes deletes', async () => {
  await connectAs(server, 'gus', 'gus-password').then((c) => c.destroy());
  const env = { CHAT_SERVER: server.address, CHAT_USER: 'gus' };
  assert.is((await runCli(['account', 'delete', '--password-stdin'], { env, input: 'gus-password\n' })).code, 2);
  const wrong = await runCli(['account', 'delete', '--password-stdin', '--yes'], { env, input: 'not-gus-password\n' });
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /^CHAT_ERR_AUTH_FAILED/);
  const ok = await runCli(['account', 'delete', '--password-stdin', '--yes', '--json'], { env, input: 'gus-password\n' });
  assert.is(ok.code, 0, ok.stderr);
  assert.equal(jsonLines(ok.stdout), [{ type: 'account_deleted', user: 'gus' }]);
  const again = await runCli(['register', '--password-stdin'], { env, input: 'gus-password-2\n' });
  assert.is(again.code, 1);
  assert.match(again.stderr, /^CHAT_ERR_NAME_TAKEN/);
});

test.run();
