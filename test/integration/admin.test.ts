// test-timeout: 120
// `chat admin` on the database of a running embedded node (SQLite, in-process bus): the node
// carries out suspension and password resets by polling the admin actions, every change is
// audited, and an unreachable database exits 3.
import { userInfo } from 'node:os';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { ErrorCode } from '../../lib/protocol/errors.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { connectAs, jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';

const test = suite('chat admin');
let server: RunningServer;
let db: string;
test.before(async () => {
  server = await startServer({ args: ['--admin-poll-ms', '50'] });
  db = `sqlite:${server.dbPath}`;
});
test.after(async () => {
  await server?.stop();
});

const admin = (...args: string[]) => runCli(['admin', ...args, '--db', db]);
const adminIn = (input: string, ...args: string[]) => runCli(['admin', ...args, '--db', db], { input });
const login = async (user: string, password: string) => {
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  const me = await c.request('login', { user, password });
  return Object.assign(c, { token: me.token });
};
function closedWith(c: ChatClient): Promise<ErrorCode | undefined> {
  return new Promise((resolve) => {
    if (c.closed) resolve(undefined);
    c.onClose((err) => resolve((err as { code?: ErrorCode } | undefined)?.code));
  });
}
const audits = (stderr: string) => jsonLines(stderr).filter((r) => r.type === 'audit');

test('suspend closes every live session on the running node; login is refused until unsuspend', async () => {
  const a1 = await connectAs(server, 'sue', 'sue-password');
  const a2 = await login('sue', 'sue-password');
  const bystander = await connectAs(server, 'ben', 'ben-password');
  const closed = [closedWith(a1), closedWith(a2)];
  const r = await admin('suspend', 'sue', '--json');
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout), [{ type: 'admin_action', action: 'suspend', user: 'sue', user_id: 1 }]);
  const [audit] = audits(r.stderr);
  assert.equal([audit.who, audit.what, audit.target, audit.target_id], [userInfo().username, 'suspend', 'sue', 1]);
  assert.ok(Math.abs(Date.parse(audit.when) - Date.now()) < 60_000);
  // Waited for, bounded by the file's time limit.
  assert.equal(await Promise.all(closed), ['CHAT_ERR_SUSPENDED', 'CHAT_ERR_SUSPENDED']);
  await bystander.request('ping', {});
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await rejectsWith(c.request('login', { user: 'sue', password: 'sue-password' }), 'CHAT_ERR_SUSPENDED');
  await rejectsWith(c.request('login', { user: 'sue', password: 'wrong-password' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(c.request('login', { token: a2.token }), 'CHAT_ERR_TOKEN_INVALID');
  const listed = jsonLines((await admin('users', '--json')).stdout);
  assert.equal(listed.map((u) => [u.type, u.name, u.id, u.suspended]), [['admin_user', 'sue', 1, true], ['admin_user', 'ben', 2, false]]);
  assert.ok(listed.every((u) => typeof u.created === 'string' && typeof u.last_login === 'string'));
  assert.is((await admin('unsuspend', 'sue')).code, 0);
  await c.request('login', { user: 'sue', password: 'sue-password' });
  for (const x of [bystander, c]) x.destroy();
  const log = server.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'admin action');
  assert.equal(log.map((l) => [l.what, l.target, l.closed]), [['suspend', 'sue', 2], ['unsuspend', 'sue', 0]]);
});

test('reset-password prints a generated password or takes one from stdin, revokes every token and closes the sessions', async () => {
  await connectAs(server, 'rex', 'rex-password').then((x) => x.destroy());
  const a1 = await login('rex', 'rex-password');
  const closed = closedWith(a1);
  const r = await admin('reset-password', 'rex', '--json');
  assert.is(r.code, 0, r.stderr);
  const [out] = jsonLines(r.stdout);
  assert.equal([out.type, out.action, out.user, out.revoked], ['admin_action', 'reset_password', 'rex', 2]);
  assert.match(out.password, /^[\w-]{16}$/);
  assert.is(await closed, 'CHAT_ERR_SESSION_REVOKED');
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await rejectsWith(c.request('login', { user: 'rex', password: 'rex-password' }), 'CHAT_ERR_AUTH_FAILED');
  await rejectsWith(c.request('login', { token: a1.token }), 'CHAT_ERR_TOKEN_INVALID');
  await c.request('login', { user: 'rex', password: out.password });
  const cClosed = closedWith(c);
  const given = await adminIn('chosen-by-op\n', 'reset-password', 'rex', '--password-stdin', '--json');
  assert.is(given.code, 0, given.stderr);
  assert.is(jsonLines(given.stdout)[0].password, undefined, 'a given password is not printed');
  assert.is(audits(given.stderr)[0].generated, false);
  assert.is(await cClosed, 'CHAT_ERR_SESSION_REVOKED');
  (await login('rex', 'chosen-by-op')).destroy();
  assert.is((await adminIn('short\n', 'reset-password', 'rex', '--password-stdin')).code, 1);
});

test('add-user, groups, and the refusals: unknown user exits 1 with the code', async () => {
  const added = await adminIn('added-password\n', 'add-user', 'Ann', '--password-stdin', '--json');
  assert.is(added.code, 0, added.stderr);
  assert.equal(jsonLines(added.stdout)[0].user, 'Ann');
  assert.equal(audits(added.stderr).map((a) => [a.what, a.target, a.target_id]), [['add_user', 'Ann', jsonLines(added.stdout)[0].user_id]]);
  const ann = await login('ann', 'added-password');
  await ann.request('group_create', { group: 'ops', desc: 'operators' });
  const generated = await admin('add-user', 'Bea');
  assert.match(generated.stdout, /password: [\w-]{16}/);
  const taken = await admin('add-user', 'ANN');
  assert.is(taken.code, 1);
  assert.match(taken.stderr, /^CHAT_ERR_NAME_TAKEN/m);
  const groups = jsonLines((await admin('groups', '--json')).stdout);
  assert.equal(groups.map((g) => [g.type, g.name, g.desc, g.creator, g.members]), [['admin_group', 'ops', 'operators', 'Ann', 1]]);
  const unknown = await admin('suspend', 'nobody');
  assert.is(unknown.code, 1);
  assert.match(unknown.stderr, /^CHAT_ERR_NO_SUCH_USER/m);
  assert.is((await runCli(['admin', 'suspend', '--db', db])).code, 2, 'no NAME');
  ann.destroy();
  // Every change is in the audit table, in order.
  const raw = new Database(server.dbPath, { readonly: true });
  const rows = raw.prepare('SELECT action, target FROM admin_actions ORDER BY id').all() as { action: string; target: string }[];
  raw.close();
  assert.equal(rows.map((r) => r.action), ['suspend', 'unsuspend', 'reset_password', 'reset_password', 'add_user', 'add_user']);
});

test('an unreachable database exits 3, and a missing SQLite file is not created', async () => {
  const missing = await runCli(['admin', 'users', '--db', `sqlite:${server.dbPath}.missing`]);
  assert.is(missing.code, 3);
  assert.match(missing.stderr, /^CHAT_ERR_DB_UNAVAILABLE/m);
  const mysql = await runCli(['admin', 'users', '--db', 'mysql://root@127.0.0.1:1/chat_nowhere'], { timeoutMs: 30_000 });
  assert.is(mysql.code, 3);
  assert.match(mysql.stderr, /^CHAT_ERR_DB_UNAVAILABLE/m);
});

test('delete-group deletes any group with its history; its members hear of it on the running node; the name is free', async () => {
  const owner = await connectAs(server, 'gwen', 'gwen-password');
  const member = await connectAs(server, 'gus', 'gus-password');
  await owner.request('group_create', { group: 'doomed', desc: 'short-lived' });
  await member.request('group_join', { group: 'doomed' });
  await owner.request('send', { group: 'doomed', text: 'history that goes too' });
  const heard = new Promise<unknown>((resolve) => member.onPush((f) => f.type === 'group_event' && resolve(f)));
  const r = await admin('delete-group', 'doomed', '--json');
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout), [{ type: 'admin_action', action: 'delete_group', group: 'doomed', members: 2 }]);
  const [audit] = audits(r.stderr);
  assert.equal([audit.who, audit.what, audit.target], [userInfo().username, 'delete_group', 'doomed']);
  // Waited for, bounded by the file's time limit.
  assert.equal(await heard, { type: 'group_event', group: 'doomed', user: 'operator', event: 'deleted' });
  await rejectsWith(member.request('history', { group: 'doomed' }), 'CHAT_ERR_NO_SUCH_GROUP');
  assert.equal((await owner.request('groups', {})).groups, []);
  await owner.request('group_create', { group: 'doomed' });
  const again = await admin('delete-group', 'nothing-here');
  assert.is(again.code, 1);
  assert.match(again.stderr, /^CHAT_ERR_NO_SUCH_GROUP: /);
  assert.is((await admin('delete-group')).code, 2);
  owner.destroy();
  member.destroy();
});

test.run();
