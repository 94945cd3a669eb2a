// test-timeout: 180
// Two real nodes on one MySQL database and one Redis: passwd, sessions revoke and logout --all
// and account_delete in a session on one node close the account's sessions on the other (through
// the bus), and
// `chat admin suspend` / `reset-password` close them on both (every node polls the admin actions).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { ErrorCode } from '../../lib/protocol/errors.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis.ts';
import { runCli, startServer, type RunningServer } from '../helpers/server.ts';

if ((await requireMariadb('test/integration/accounts-cluster.test.ts')) && requireRedisServer('test/integration/accounts-cluster.test.ts')) {
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const test = suite('accounts across two nodes (MySQL + Redis)');
  let n1: RunningServer;
  let n2: RunningServer;
  test.before(async () => {
    const args = (id: string) => ['--redis', redis.url, '--node-id', id, '--admin-poll-ms', '50'];
    n1 = await startServer({ db: db.url, args: args('n1') });
    n2 = await startServer({ db: db.url, args: args('n2') });
  });
  test.after(async () => {
    await n1?.stop();
    await n2?.stop();
    await db.drop();
    await redis.destroy();
  });

  const on = async (node: RunningServer, user: string, password: string, register = false) => {
    const c = await ChatClient.connect({ host: node.host, port: node.port, clientName: `on ${node === n1 ? 'n1' : 'n2'}` });
    if (register) await c.request('register', { user, password });
    const me = await c.request('login', { user, password });
    return Object.assign(c, { token: me.token });
  };
  function closedWith(c: ChatClient): Promise<ErrorCode | undefined> {
    return new Promise((resolve) => {
      if (c.closed) resolve(undefined);
      c.onClose((err) => resolve((err as { code?: ErrorCode } | undefined)?.code));
    });
  }

  test('passwd on n1 closes the session on n2, whose token no longer resumes anywhere', async () => {
    const here = await on(n1, 'pam', 'pam-password', true);
    const there = await on(n2, 'pam', 'pam-password');
    const closed = closedWith(there);
    assert.equal(await here.request('passwd', { password: 'pam-password', new_password: 'pam-password-2' }), { revoked: 1 });
    assert.is(await closed, 'CHAT_ERR_SESSION_REVOKED');
    const c = await ChatClient.connect({ host: n1.host, port: n1.port });
    await rejectsWith(c.request('login', { token: there.token }), 'CHAT_ERR_TOKEN_INVALID');
    // n2 answers the new password, not the one its user cache saw.
    const d = await ChatClient.connect({ host: n2.host, port: n2.port });
    await rejectsWith(d.request('login', { user: 'pam', password: 'pam-password' }), 'CHAT_ERR_AUTH_FAILED');
    await d.request('login', { user: 'pam', password: 'pam-password-2' });
    for (const x of [here, c, d]) x.destroy();
  });

  test('sessions on n1 lists the session on n2 as live there; revoking it closes it', async () => {
    const here = await on(n1, 'rui', 'rui-password', true);
    const there = await on(n2, 'rui', 'rui-password');
    const listed = (await here.request('sessions', {})).sessions;
    const remote = listed.find((s) => !s.current)!;
    assert.equal([remote.live, remote.node, remote.client], [true, 'n2', 'on n2']);
    const closed = closedWith(there);
    await here.request('sessions_revoke', { session: remote.id });
    assert.is(await closed, 'CHAT_ERR_SESSION_REVOKED');
    here.destroy();
  });

  test('chat logout --all through n2 closes every session on both nodes', async () => {
    const here = await on(n1, 'lia', 'lia-password', true);
    const there = await on(n2, 'lia', 'lia-password');
    const alsoHere = await on(n1, 'lia', 'lia-password');
    const closed = [closedWith(there), closedWith(alsoHere), closedWith(here)];
    const out = await runCli(['logout', '--all', '--json'], { env: { CHAT_SERVER: n2.address, CHAT_USER: 'lia', CHAT_PASSWORD: 'lia-password' } });
    assert.is(out.code, 0, out.stderr);
    assert.equal(await Promise.all(closed), ['CHAT_ERR_SESSION_REVOKED', 'CHAT_ERR_SESSION_REVOKED', 'CHAT_ERR_SESSION_REVOKED']);
  });

  test('chat admin suspend closes the sessions on both nodes; neither lets the user back in', async () => {
    const a = await on(n1, 'sid', 'sid-password', true);
    const b = await on(n2, 'sid', 'sid-password');
    const closed = [closedWith(a), closedWith(b)];
    const r = await runCli(['admin', 'suspend', 'sid', '--db', db.url]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await Promise.all(closed), ['CHAT_ERR_SUSPENDED', 'CHAT_ERR_SUSPENDED']);
    for (const node of [n1, n2]) {
      const c = await ChatClient.connect({ host: node.host, port: node.port });
      await rejectsWith(c.request('login', { user: 'sid', password: 'sid-password' }), 'CHAT_ERR_SUSPENDED');
      await rejectsWith(c.request('login', { token: b.token }), 'CHAT_ERR_TOKEN_INVALID');
      c.destroy();
    }
    assert.is((await runCli(['admin', 'unsuspend', 'sid', '--db', db.url])).code, 0);
    (await on(n2, 'sid', 'sid-password')).destroy();
  });

  test('chat admin reset-password closes the sessions on both nodes', async () => {
    const a = await on(n1, 'ria', 'ria-password', true);
    const b = await on(n2, 'ria', 'ria-password');
    const closed = [closedWith(a), closedWith(b)];
    const r = await runCli(['admin', 'reset-password', 'ria', '--db', db.url, '--password-stdin'], { input: 'ria-password-2\n' });
    assert.is(r.code, 0, r.stderr);
    assert.equal(await Promise.all(closed), ['CHAT_ERR_SESSION_REVOKED', 'CHAT_ERR_SESSION_REVOKED']);
    (await on(n1, 'ria', 'ria-password-2')).destroy();
  });

  test('account_delete on n1 closes the session on n2, and n2 stops finding the name', async () => {
    const here = await on(n1, 'del', 'del-password', true);
    const there = await on(n2, 'del', 'del-password');
    const asker = await on(n2, 'ask', 'ask-password', true);
    assert.is((await asker.request('friend_add', { user: 'del' })).status, 'pending'); // n2 now caches the user
    const closed = closedWith(there);
    await here.request('account_delete', { password: 'del-password' });
    assert.is(await closed, 'CHAT_ERR_SESSION_REVOKED');
    // Even before n2 reads the deletion from the admin actions, a friend request cannot reach the
    // deleted account (the row says so)...
    await new Promise<void>((resolve, reject) => asker.request('friend_add', { user: 'del' }).then(
      () => reject(new Error('a friend request reached a deleted account')),
      (err) => (err.code === 'CHAT_ERR_NO_SUCH_USER' ? resolve() : reject(err))));
    // ...and once it has, n2 no longer finds the name at all; waited for, bounded by the file's time limit.
    for (;;) {
      const code = await asker.request('history', { with: 'del' }).then(() => 'ok', (err) => err.code);
      if (code === 'CHAT_ERR_NO_SUCH_USER') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await asker.request('friends', {})).requests, [], 'the pending request went with the account');
    for (const x of [here, asker]) x.destroy();
  });

  test.run();
}
