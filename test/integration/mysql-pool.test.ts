// test-timeout: 120
// The pool's four knobs, healing and draining, each checked against the real MariaDB: by the
// pool's own figures and by what the server itself lists (information_schema.processlist).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveDbPoolConfig, type DbPoolConfig } from '../../lib/config.ts';
import { migrate } from '../../lib/db/mysql-migrate.ts';
import { MysqlPool } from '../../lib/db/mysql-pool.ts';
import { MysqlStore } from '../../lib/db/mysql-store.ts';
import { parseMysqlUrl } from '../../lib/db/mysql-url.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { adminQuery, emptyTables, eventually, requireMariadb, scratchDb, serverConnections, sleep } from '../helpers/mariadb.ts';


if (await requireMariadb('test/integration/mysql-pool.test.ts')) {
  const db = scratchDb();
  const target = parseMysqlUrl(db.url);
  await migrate(target);
  const settings = (s: Partial<DbPoolConfig>) => resolveDbPoolConfig({ logIntervalMs: 0, ...s });
  const open: MysqlPool[] = [];
  const startPool = async (s: Partial<DbPoolConfig>) => {
    const pool = new MysqlPool(target, settings(s));
    open.push(pool);
    await pool.start();
    return pool;
  };
  const sleepQuery = (pool: MysqlPool, seconds: number) => pool.run('read', (conn) => conn.query(`SELECT SLEEP(${seconds})`));

  const test = suite('MysqlPool on MariaDB');
  test.before.each(async () => {
    await emptyTables(db.name);
  });
  test.after.each(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    await eventually(async () => (await serverConnections(db.name)).length === 0, 5_000, 'every pool connection closed');
  });
  test.after(async () => {
    await db.drop();
  });

  test('initial size: min connections are open right after start', async () => {
    const pool = await startPool({ min: 3, max: 6 });
    assert.equal([pool.stats().size, pool.stats().available, pool.stats().borrowed], [3, 3, 0]);
    assert.is((await serverConnections(db.name)).length, 3);
  });

  test('max size: a burst grows the pool to max and never past it', async () => {
    const pool = await startPool({ min: 1, max: 5, acquireTimeoutMs: 10_000 });
    let largest = 0;
    let serverLargest = 0;
    const watching = (async () => {
      for (let i = 0; i < 12; i++) {
        largest = Math.max(largest, pool.stats().size);
        serverLargest = Math.max(serverLargest, (await serverConnections(db.name)).length);
        await sleep(50);
      }
    })();
    await Promise.all([...Array.from({ length: 30 }, () => sleepQuery(pool, 0.1)), watching]);
    assert.is(largest, 5, 'grew to max');
    assert.ok(serverLargest <= 5, `the server saw ${serverLargest} connections`);
    assert.is(pool.stats().size, 5);
    assert.is(pool.stats().acquired >= 30, true);
  });

  test('max idle time: connections above min close after idleMs, and min stays', async () => {
    const pool = await startPool({ min: 2, max: 6, idleMs: 600, acquireTimeoutMs: 10_000 });
    await Promise.all(Array.from({ length: 12 }, () => sleepQuery(pool, 0.1)));
    assert.is(pool.stats().size, 6);
    await sleep(150);
    assert.is(pool.stats().size, 6, 'not evicted before idleMs');
    await eventually(() => pool.stats().size === 2, 4_000, 'eviction back to min');
    await sleep(1_000); // well past idleMs again: the minimum is never evicted
    assert.is(pool.stats().size, 2);
    assert.is((await serverConnections(db.name)).length, 2);
  });

  test('acquire timeout: a caller that cannot get a connection in time gets CHAT_ERR_DB_BUSY', async () => {
    const pool = await startPool({ min: 1, max: 1, acquireTimeoutMs: 200 });
    const holder = sleepQuery(pool, 1.5);
    await sleep(50);
    const started = Date.now();
    await rejectsWith(pool.run('read', (conn) => conn.query('SELECT 1')), 'CHAT_ERR_DB_BUSY');
    const waited = Date.now() - started;
    assert.ok(waited >= 150 && waited < 1_400, `waited ${waited} ms: the timeout, not the holder`);
    await holder;
    await pool.run('read', (conn) => conn.query('SELECT 1'));
    assert.is(pool.stats().busy, 1);
    assert.is(pool.stats().borrowed, 0);
  });

  test('acquire timeout through the store: the Store call rejects with CHAT_ERR_DB_BUSY', async () => {
    const store = await MysqlStore.open(db.url, settings({ min: 1, max: 1, acquireTimeoutMs: 150 }));
    try {
      const pool = (store as unknown as { pool: MysqlPool }).pool;
      const holder = sleepQuery(pool, 0.6);
      await sleep(50);
      await rejectsWith(store.userByKey('nobody'), 'CHAT_ERR_DB_BUSY');
      await holder;
      assert.is(await store.userByKey('nobody'), null);
    } finally {
      await store.close();
    }
  });

  test('no leaks: after many failing requests every connection is back and no transaction is open', async () => {
    const store = await MysqlStore.open(db.url, settings({ min: 2, max: 4, acquireTimeoutMs: 2_000 }));
    try {
      const pool = (store as unknown as { pool: MysqlPool }).pool;
      const ann = await store.createUser('Ann', 'ann', 'h');
      const codes: string[] = [];
      const failing = [
        () => store.createUser('Ann', 'ann', 'h'), // unique key
        () => store.acceptFriendRequest(ann.id, 987_654), // throws inside a transaction
        () => store.joinGroup(987_654, ann.id),
        () => store.moveRead(987_654, ann.id, 1),
        () => store.createFriendRequest(ann.id, 987_654), // foreign key: a plain SQL error
        // A write, then a throw, inside one transaction: it must roll back.
        () => pool.transaction('write', async (conn) => {
          await conn.execute("INSERT INTO conversations (kind, created_at) VALUES ('group', 1)");
          throw new Error('handler failed midway');
        }),
        () => pool.run('read', (conn) => conn.query('SELECT * FROM no_such_table')),
      ];
      for (let wave = 0; wave < 10; wave++) {
        await Promise.all(Array.from({ length: 20 }, async (_, i) => {
          try {
            await failing[(wave + i) % failing.length]!();
            codes.push('none');
          } catch (err) {
            codes.push(String((err as { code?: unknown }).code ?? 'plain'));
          }
        }));
      }
      assert.is(codes.length, 200);
      assert.not.ok(codes.includes('none'), 'every request failed');
      assert.ok(codes.includes('CHAT_ERR_NAME_TAKEN') && codes.includes('CHAT_ERR_NO_REQUEST') && codes.includes('ER_NO_REFERENCED_ROW_2'));
      const stats = store.poolStats();
      assert.equal([stats.borrowed, stats.pending], [0, 0]);
      assert.ok(stats.size >= 2 && stats.size <= 4, `size ${stats.size}`);
      const ids = await serverConnections(db.name);
      assert.is(ids.length, stats.size, 'the server holds exactly the pool’s connections');
      const open = await adminQuery('SELECT trx_id FROM information_schema.innodb_trx WHERE trx_mysql_thread_id IN (?)', [ids]);
      assert.is(open.length, 0, 'no connection went back inside a transaction');
      const [{ n }] = await adminQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM \`${db.name}\`.conversations`);
      assert.is(Number(n), 0, 'the midway write was rolled back');
      assert.equal(await store.userByKey('ann'), ann);
    } finally {
      // close() drains, so a connection that never came back would hang it: bound it.
      await Promise.race([store.close(), sleep(5_000).then(() => assert.unreachable('close() hung: a connection was never returned'))]);
    }
  });

  test('healing: idle connections killed on the server are replaced invisibly', async () => {
    const store = await MysqlStore.open(db.url, settings({ min: 2, max: 2 }));
    try {
      const ann = await store.createUser('Ann', 'ann', 'h');
      const before = await serverConnections(db.name);
      assert.is(before.length, 2);
      for (const id of before) await adminQuery(`KILL CONNECTION ${id}`);
      // KILL only flags the thread; it leaves the processlist when it wakes, so a count taken
      // straight after can still include it.
      await eventually(async () => !(await serverConnections(db.name)).some((id) => before.includes(id)), 5_000, 'the killed threads left the processlist');
      for (let i = 0; i < 5; i++) assert.equal(await store.userByKey('ann'), ann);
      // A connection the pool destroyed also lingers until the server reads its close, so the
      // count is waited for; a pool that leaked or kept a dead connection still times out here.
      let after: number[] = [];
      await eventually(async () => (after = await serverConnections(db.name)).length === 2, 5_000, 'exactly the pool’s two connections on the server');
      assert.not.ok(after.some((id) => before.includes(id)), 'both connections are new');
      assert.ok(store.poolStats().destroyed >= 2);
    } finally {
      await store.close();
    }
  });

  test('healing: a read whose connection is killed mid-query is retried on a new one', async () => {
    const pool = await startPool({ min: 1, max: 2 });
    // Settled into a value at once, so a failure is an assertion, not an unhandled rejection.
    const result = pool.run('read', async (conn) => {
      const [rows] = await conn.query('SELECT SLEEP(0.5) AS s, CONNECTION_ID() AS id');
      return (rows as { id: number }[])[0]!.id;
    }).then((id) => id, (err: { code?: string }) => `rejected ${err.code}`);
    let victim: number | undefined;
    await eventually(async () => {
      const rows = await adminQuery<{ id: number }>(
        "SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT SLEEP(0.5)%'", [db.name]);
      victim = rows[0]?.id;
      return victim !== undefined;
    }, 2_000, 'the query to run');
    await adminQuery(`KILL CONNECTION ${victim}`);
    const ranOn = await result;
    assert.is.not(Number(ranOn), Number(victim), 'answered by another connection');
    assert.is(pool.stats().borrowed, 0);
  });

  test('a write killed mid-query is not re-run: CHAT_ERR_DB_UNAVAILABLE, and the pool carries on', async () => {
    const pool = await startPool({ min: 1, max: 2 });
    let runs = 0;
    // Its rejection is observed at once: it lands while the test is still busy killing.
    const write = pool.run('write', async (conn) => {
      runs++;
      await conn.query('SELECT SLEEP(0.5)');
    }).then(() => 'resolved', (err: { code?: string }) => err.code);
    await sleep(150);
    const [row] = await adminQuery<{ id: number }>(
      "SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT SLEEP(0.5)%'", [db.name]);
    assert.ok(row, 'the write is running');
    await adminQuery(`KILL CONNECTION ${row!.id}`);
    assert.is(await write, 'CHAT_ERR_DB_UNAVAILABLE');
    assert.is(runs, 1);
    await pool.run('read', (conn) => conn.query('SELECT 1'));
    assert.is(pool.stats().borrowed, 0);
  });

  test('shutdown drains: in-flight queries finish, then every connection closes', async () => {
    const pool = await startPool({ min: 2, max: 4 });
    const inFlight = Promise.all([0.3, 0.4].map(async (s) => {
      await sleepQuery(pool, s);
      return 'finished';
    }));
    await sleep(50);
    assert.is(pool.stats().borrowed, 2);
    await pool.close();
    assert.equal(await inFlight, ['finished', 'finished']);
    // The server forgets a connection a moment after its COM_QUIT.
    await eventually(async () => (await serverConnections(db.name)).length === 0, 2_000, 'the server to list no connection');
    await rejectsWith(pool.run('read', (conn) => conn.query('SELECT 1')), 'CHAT_ERR_DB_UNAVAILABLE');
  });

  test.run();
}
