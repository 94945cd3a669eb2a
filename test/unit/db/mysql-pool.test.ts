// No services: MysqlPool pointed at a loopback port where nothing listens (a database that is
// down). Callers get CHAT_ERR_DB_UNAVAILABLE at once, and reconnecting backs off instead of
// spinning (coopernurse/node-pool#175).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:net';
import { resolveDbPoolConfig } from '../../../lib/config.ts';
import { MysqlPool } from '../../../lib/db/mysql-pool.ts';

async function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
}

const target = async () => ({ host: '127.0.0.1', port: await deadPort(), user: 'root', password: '', database: 'chat' });

test('start() fails with CHAT_ERR_DB_UNAVAILABLE when the initial connections cannot open', async () => {
  const pool = new MysqlPool(await target(), resolveDbPoolConfig({ min: 2, max: 4, acquireTimeoutMs: 300, logIntervalMs: 0 }));
  const started = Date.now();
  assert.is(await codeOf(pool.start()), 'CHAT_ERR_DB_UNAVAILABLE');
  assert.ok(Date.now() - started < 3_000, 'fails promptly');
});

test('while the database is down: every call fails fast, and reconnect attempts back off', async () => {
  const pool = new MysqlPool(await target(), resolveDbPoolConfig({ min: 0, max: 4, acquireTimeoutMs: 400, logIntervalMs: 0 }));
  await pool.start(); // min 0: nothing to open yet
  try {
    const first = await codeOf(pool.run('read', (conn) => conn.query('SELECT 1')));
    assert.is(first, 'CHAT_ERR_DB_UNAVAILABLE');
    const windowStart = Date.now();
    let calls = 0;
    while (Date.now() - windowStart < 1_500) {
      const t = Date.now();
      assert.is(await codeOf(pool.run('read', (conn) => conn.query('SELECT 1'))), 'CHAT_ERR_DB_UNAVAILABLE');
      assert.ok(Date.now() - t < 100, 'answered without waiting for the acquire timeout');
      calls++;
      await new Promise((r) => setTimeout(r, 5));
    }
    const stats = pool.stats();
    assert.ok(calls > 50);
    assert.is(stats.down, true);
    // Backoff 100, 200, 400, 800 ms…: a handful of attempts in 1.5 s, not thousands.
    assert.ok(stats.createFailures >= 2 && stats.createFailures <= 8, `${stats.createFailures} connect attempts`);
    assert.is(stats.borrowed, 0);
    assert.ok(stats.size <= 1, 'at most the one backed-off attempt in flight');
  } finally {
    const closing = Date.now();
    await pool.close();
    assert.ok(Date.now() - closing < 2_000, 'close does not wait out the backoff');
  }
});

test.run();
