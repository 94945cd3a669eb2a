// No services: the mysql:// URL, the pool settings, and how mysql2 errors are classified.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DB_POOL_DEFAULTS, resolveDbPoolConfig, resolveServerConfig } from '../../../lib/config.ts';
import { isConnectionError, isLockConflict, neverSent, toStoreError } from '../../../lib/db/mysql-errors.ts';
import { parseMysqlUrl, redactMysqlUrl } from '../../../lib/db/mysql-url.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return 'no error';
};

test('parseMysqlUrl: user, password, host, port, database', () => {
  assert.equal(parseMysqlUrl('mysql://chat:p%40ss%3Aw0rd@db.example:3307/chat_prod'),
    { host: 'db.example', port: 3307, user: 'chat', password: 'p@ss:w0rd', database: 'chat_prod' });
  assert.equal(parseMysqlUrl('mysql://127.0.0.1/chat'), { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'chat' });
  assert.is(parseMysqlUrl('mysql://root@[::1]:3306/chat').host, '::1');
});

test('parseMysqlUrl: a database name that cannot be spliced safely is CHAT_ERR_CONFIG', () => {
  for (const url of ['mysql://root@h/', 'mysql://root@h', 'mysql://root@h/a-b', 'mysql://root@h/x`;DROP', 'mysql://root@h/' + 'x'.repeat(65), 'sqlite:/tmp/x', 'mysql://']) {
    assert.is(codeOf(() => parseMysqlUrl(url)), 'CHAT_ERR_CONFIG', url);
  }
});

test('redactMysqlUrl hides the password only', () => {
  assert.is(redactMysqlUrl('mysql://chat:secret@h:1/db'), 'mysql://chat:***@h:1/db');
  assert.is(redactMysqlUrl('mysql://root@h/db'), 'mysql://root@h/db');
});

test('pool settings: defaults, overrides, and bad values named', () => {
  assert.equal(resolveDbPoolConfig(), DB_POOL_DEFAULTS);
  assert.equal(DB_POOL_DEFAULTS, { min: 4, max: 32, idleMs: 30_000, acquireTimeoutMs: 2_000, logIntervalMs: 60_000 });
  assert.equal(resolveDbPoolConfig({ min: 0, max: 1, idleMs: undefined, logIntervalMs: 0 }),
    { ...DB_POOL_DEFAULTS, min: 0, max: 1, logIntervalMs: 0 });
  const bad: [object, RegExp][] = [
    [{ min: 5, max: 4 }, /dbPool\.min/],
    [{ max: 0 }, /dbPool\.max/],
    [{ min: -1 }, /dbPool\.min/],
    [{ idleMs: Number.NaN }, /dbPool\.idleMs/],
    [{ acquireTimeoutMs: 0 }, /dbPool\.acquireTimeoutMs/],
    [{ acquireTimeoutMs: 1.5 }, /dbPool\.acquireTimeoutMs/],
    [{ logIntervalMs: -1 }, /dbPool\.logIntervalMs/],
  ];
  for (const [partial, key] of bad) {
    let error: unknown;
    try {
      resolveDbPoolConfig(partial);
    } catch (err) {
      error = err;
    }
    assert.instance(error, ChatError, JSON.stringify(partial));
    assert.is((error as ChatError).code, 'CHAT_ERR_CONFIG');
    assert.match((error as ChatError).message, key);
  }
});

test('the server config carries the resolved pool settings', () => {
  const config = resolveServerConfig({ db: 'mysql://root@h/chat', dbPool: { min: 1, max: 2 } });
  assert.equal(config.dbPool, { ...DB_POOL_DEFAULTS, min: 1, max: 2 });
  assert.equal(resolveServerConfig({ db: 'sqlite:x' }).dbPool, DB_POOL_DEFAULTS);
});

test('mysql2 errors: lost connections, lock conflicts, and what the client sees', () => {
  const lost = Object.assign(new Error('Connection lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true });
  const deadlock = Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 });
  const waited = Object.assign(new Error('Lock wait timeout'), { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 });
  const full = Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR', errno: 1040 });
  const syntax = Object.assign(new Error('You have an error'), { code: 'ER_PARSE_ERROR', errno: 1064 });
  assert.equal([lost, refused, closed, deadlock, syntax].map(isConnectionError), [true, true, true, false, false]);
  assert.equal([lost, closed].map(neverSent), [false, true]);
  assert.equal([deadlock, waited, lost].map(isLockConflict), [true, true, false]);
  assert.equal([lost, refused, deadlock, waited, full].map((e) => (toStoreError(e) as ChatError).code),
    ['CHAT_ERR_DB_UNAVAILABLE', 'CHAT_ERR_DB_UNAVAILABLE', 'CHAT_ERR_DB_BUSY', 'CHAT_ERR_DB_BUSY', 'CHAT_ERR_DB_BUSY']);
  assert.is(toStoreError(syntax), syntax, 'anything else keeps its own error (logged as internal)');
  const mine = new ChatError('CHAT_ERR_NO_REQUEST');
  assert.is(toStoreError(mine), mine);
});

test.run();
