// test-timeout: 180
// The real `chat serve --db mysql://…` process and the real `chat` binary: `chat db migrate`,
// the pool flags and env vars, the pool log line, and the core CLI session on MySQL.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { befriend, connectAs, jsonLines, runCli, startServer, type RunningServer } from '../helpers/server.ts';
import { migrationFiles } from '../../lib/db/mysql-migrate.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { adminQuery, eventually, freePort, requireMariadb, scratchDb, serverConnections } from '../helpers/mariadb.ts';

if (await requireMariadb('test/integration/mysql-serve.test.ts')) {
  const db = scratchDb();
  const test = suite('chat serve on MySQL');
  const servers: RunningServer[] = [];
  const serve = async (args: string[], env: Record<string, string> = {}) => {
    const server = await startServer({ db: db.url, args: ['--log-level', 'info', ...args], env });
    servers.push(server);
    return server;
  };
  test.after.each(async () => {
    for (const s of servers.splice(0)) assert.is(await s.stop(), 0, 'graceful stop exits 0');
  });
  test.after(async () => {
    await db.drop();
  });

  test('chat db migrate creates the database, applies the schema once, then reports it up to date', async () => {
    const fresh = scratchDb();
    try {
      const first = await runCli(['db', 'migrate', '--db', fresh.url]);
      assert.is(first.code, 0, first.stderr);
      const files = migrationFiles();
      const last = files.at(-1)!.version;
      assert.is(first.stdout, `schema version ${last} (applied ${files.map((f) => f.name).join(', ')})\n`);
      assert.ok(files[0]!.name === '001_init.sql');
      const again = await runCli(['db', 'migrate', '--db', fresh.url, '--json']);
      assert.is(again.code, 0, again.stderr);
      assert.equal(jsonLines(again.stdout), [{ type: 'schema', version: last, applied: [] }]);
      const tables = await adminQuery<{ t: string }>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [fresh.name]);
      assert.ok(tables.map((r) => r.t).includes('messages'));
    } finally {
      await fresh.drop();
    }
  });

  test('bad pool settings are a usage error naming the key', async () => {
    const bad = await runCli(['serve', '--port', '0', '--db', db.url, '--db-pool-min', '9', '--db-pool-max', '3']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /^CHAT_ERR_CONFIG: config dbPool\.min: /);
  });

  test('an unreachable MySQL at start is a clean exit with CHAT_ERR_DB_UNAVAILABLE', async () => {
    const port = await freePort();
    const r = await runCli(['serve', '--port', '0', '--db', `mysql://root@127.0.0.1:${port}/chat`]);
    assert.is(r.code, 1);
    assert.match(r.stderr, /^CHAT_ERR_DB_UNAVAILABLE: /m);
  });

  test('serve on a database that does not exist yet: pool knobs from env and flags, the pool log line, and the core CLI session', async () => {
    // Every `chat` process costs a second or more on a loaded machine, so one server covers
    // the knobs and the session, the real binary does what only it can show (output, exit
    // codes), and the client library does the setup.
    const server = await serve(
      ['--db-pool-max', '5', '--db-pool-idle-ms', '1000', '--db-pool-acquire-timeout-ms', '2000', '--db-pool-log-ms', '200'],
      // Had the env max (1) beaten the flag (5), min 3 would be invalid and serve would not start.
      { CHAT_DB_POOL_MIN: '3', CHAT_DB_POOL_MAX: '1' },
    );
    assert.is((await serverConnections(db.name)).length, 3, 'the initial connections, min from the env');
    await eventually(() => server.logs.some((l) => l.includes('"db pool"')), 3_000, 'a pool log line');
    const entry = JSON.parse(server.logs.find((l) => l.includes('"db pool"'))!);
    for (const key of ['size', 'min', 'max', 'borrowed', 'available', 'pending', 'down', 'acquireMsAvg', 'acquireMsMax']) {
      assert.ok(key in entry.dbPool, `dbPool.${key} is logged`);
    }
    assert.equal([entry.dbPool.size, entry.dbPool.min, entry.dbPool.max], [3, 3, 5]);

    const as = (user: string, ...args: string[]) =>
      runCli(['--server', server.address, '--user', user, '--password', `${user}-s3cret-pw`, ...args]);
    const registered = await runCli(['--server', server.address, 'register', '--user', 'alice', '--password', 'alice-s3cret-pw']);
    assert.is(registered.code, 0, registered.stderr);
    assert.match(registered.stdout, /^\d+\n$/);

    const texts = ['1.50', '--help', "it's '; DROP TABLE users; --", 'emoji 🎉 👨‍👩‍👧 and 中文', 'nul\u0000 and \u202eRTL', 'ANSI \x1b[31mred\x1b[0m', '  spaced  '];
    const alice = await connectAs(server, 'alice', 'alice-s3cret-pw', false);
    const bob = await connectAs(server, 'bob', 'bob-s3cret-pw');
    try {
      await befriend(alice, 'alice', bob, 'bob');
      const sent = jsonLines((await as('alice', 'send', 'bob', 'hi bob', '--client-msg-id', 'k-1', '--json')).stdout);
      assert.equal(sent.map((x) => [x.type, x.to, x.seq, x.duplicate]), [['sent', 'bob', 1, false]]);
      const retried = await alice.request('send', { to: 'bob', text: 'hi bob', client_msg_id: 'k-1' });
      assert.equal([retried.seq, retried.duplicate], [1, true]);
      for (const text of texts) await alice.request('send', { to: 'bob', text });
      await alice.request('group_create', { group: 'dev', desc: 'dev talk' });
      await bob.request('group_join', { group: 'dev' });
      await alice.request('send', { group: 'dev', text: 'standup in 5' });
      const clash = await as('bob', 'group', 'create', 'DEV');
      assert.is(clash.code, 1);
      assert.match(clash.stderr, /^CHAT_ERR_GROUP_TAKEN: /, 'names are unique regardless of case');
    } finally {
      await alice.close();
      await bob.close();
    }
    const listen = await as('bob', 'listen', '--count', '9', '--timeout', '10', '--json');
    assert.is(listen.code, 0, listen.stderr);
    const got = jsonLines(listen.stdout);
    assert.equal(got.filter((m) => m.to === 'bob').map((m) => [m.from, m.seq, m.text]),
      [['alice', 1, 'hi bob'], ...texts.map((t, i) => ['alice', i + 2, t])], 'texts round-trip byte for byte');
    assert.equal(got.filter((m) => m.group !== undefined).map((m) => [m.from, m.group, m.seq, m.text]), [['alice', 'dev', 1, 'standup in 5']]);
    const unread = jsonLines((await as('bob', 'unread', '--json')).stdout);
    assert.equal(unread.map((u) => [u.with ?? `#${u.group}`, u.count]).sort(), [['#dev', 1], ['alice', 8]]);
  });

  test('a friendship ended through one node stops sends through another at once', async () => {
    // Two nodes on one database and no bus: nothing tells node one about the unfriending, so
    // only a check inside the send's own transaction can refuse the next message.
    const one = await serve([]);
    const two = await serve([]);
    const dan = await connectAs(one, 'dan');
    const eve = await connectAs(two, 'eve');
    try {
      await befriend(dan, 'dan', eve, 'eve');
      assert.is((await dan.request('send', { to: 'eve', text: 'before' })).seq, 1);
      await eve.request('friend_remove', { user: 'dan' });
      await rejectsWith(dan.request('send', { to: 'eve', text: 'after' }), 'CHAT_ERR_NOT_FRIENDS');
      await rejectsWith(dan.request('send', { to: 'eve', text: 'after', client_msg_id: 'k-after' }), 'CHAT_ERR_NOT_FRIENDS');
      await befriend(eve, 'eve', dan, 'dan');
      assert.is((await dan.request('send', { to: 'eve', text: 'again' })).seq, 2, 'no seq was taken by the refused sends');
      const history = await eve.request('history', { with: 'dan' });
      assert.equal(history.messages.map((m: { text: string }) => m.text), ['before', 'again']);
    } finally {
      await dan.close();
      await eve.close();
    }
  });

  test.run();
}
