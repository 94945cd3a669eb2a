// test-timeout: 120
// Passwords and tokens at rest and in logs, and failed-login throttling per account and address.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { ChatClient } from '../../lib/client/client.ts';
import { RawPeer } from '../helpers/raw.ts';
import { startServer } from '../helpers/server.ts';

const creds = suite('credentials');

async function tryLogin(port: number, body: Record<string, unknown>, localAddress?: string): Promise<string> {
  const peer = await RawPeer.open(port, '127.0.0.1', localAddress);
  try {
    const reply = await peer.request({ id: 1, type: 'login', ...body });
    return reply.ok ? 'ok' : reply.code;
  } finally {
    peer.close();
  }
}

creds('passwords and tokens are stored only as hashes, and never logged', async () => {
  const server = await startServer({ args: ['--log-level', 'trace'] });
  const password = 'Plaintext-Pa55word-Zebra';
  const c = await ChatClient.connect({ host: server.host, port: server.port });
  await c.request('register', { user: 'vera', password });
  const { token } = await c.request('login', { user: 'vera', password });
  const d = await ChatClient.connect({ host: server.host, port: server.port });
  await d.request('login', { token });
  await d.request('login', { user: 'vera', password: 'wrong-' + password }).catch(() => {});
  const e = await ChatClient.connect({ host: server.host, port: server.port });
  await e.request('login', { user: 'vera', password: password + '-typo' }).catch(() => {});
  for (const x of [c, d, e]) x.destroy();
  await server.stop();

  const db = new Database(server.dbPath, { readonly: true });
  const row = db.prepare("SELECT password_hash FROM users WHERE name = 'vera'").get() as { password_hash: string };
  assert.match(row.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.not.ok(row.password_hash.includes(password));
  const tokens = db.prepare('SELECT token_hash FROM tokens').all() as { token_hash: string }[];
  assert.ok(tokens.length > 0);
  for (const t of tokens) assert.is.not(t.token_hash, token);
  db.close();
  // Nowhere in the database files, nor in anything the server logged.
  for (const file of [server.dbPath, `${server.dbPath}-wal`]) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      continue;
    }
    assert.is(bytes.indexOf(password), -1, `plaintext password in ${file}`);
    assert.is(bytes.indexOf(token), -1, `raw token in ${file}`);
  }
  const log = server.logs.join('\n');
  assert.ok(log.includes('login'), 'the log was captured');
  for (const secret of [password, 'wrong-' + password, token]) assert.not.ok(log.includes(secret), 'a secret reached the log');
});

creds('failed logins are throttled per account, before any hashing, with CHAT_ERR_LOGIN_THROTTLED', async () => {
  const server = await startServer({ args: ['--login-fail-limit', '3', '--login-fail-window-ms', '60000'] });
  try {
    for (const user of ['wade', 'xena']) {
      const c = await ChatClient.connect({ host: server.host, port: server.port });
      await c.request('register', { user, password: `${user}-pass-123` });
      c.destroy();
    }
    for (let i = 0; i < 3; i++) assert.is(await tryLogin(server.port, { user: 'wade', password: 'nope-nope' }), 'CHAT_ERR_AUTH_FAILED');
    assert.is(await tryLogin(server.port, { user: 'WADE', password: 'wade-pass-123' }), 'CHAT_ERR_LOGIN_THROTTLED', 'even the right password waits');
    assert.is(await tryLogin(server.port, { user: 'xena', password: 'xena-pass-123' }), 'ok', 'other accounts are unaffected');
  } finally {
    await server.stop();
  }
});

creds('failed logins are throttled per address; another address is unaffected', async () => {
  const server = await startServer({ args: ['--login-fail-limit-per-address', '4'] });
  try {
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    await c.request('register', { user: 'yuri', password: 'yuri-pass-123' });
    const { token } = await c.request('login', { user: 'yuri', password: 'yuri-pass-123' });
    c.destroy();
    for (let i = 0; i < 4; i++) assert.is(await tryLogin(server.port, { user: `nobody${i}`, password: 'whatever-1' }), 'CHAT_ERR_AUTH_FAILED');
    assert.is(await tryLogin(server.port, { user: 'yuri', password: 'yuri-pass-123' }), 'CHAT_ERR_LOGIN_THROTTLED');
    assert.is(await tryLogin(server.port, { token: 'forged-token' }), 'CHAT_ERR_TOKEN_INVALID', 'a token is not a password guess');
    assert.is(await tryLogin(server.port, { token }), 'ok', 'a throttled address still resumes by token');
    assert.is(await tryLogin(server.port, { user: 'yuri', password: 'yuri-pass-123' }, '127.0.0.2'), 'ok');
  } finally {
    await server.stop();
  }
});

creds('--login-fail-limit-per-address 0 turns the per-address throttle off; the per-account one stays', async () => {
  const server = await startServer({ args: ['--login-fail-limit-per-address', '0', '--login-fail-limit', '2'] });
  try {
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    await c.request('register', { user: 'zoe', password: 'zoe-pass-123' });
    c.destroy();
    for (let i = 0; i < 6; i++) assert.is(await tryLogin(server.port, { user: `nobody${i}`, password: 'whatever-1' }), 'CHAT_ERR_AUTH_FAILED');
    assert.is(await tryLogin(server.port, { user: 'zoe', password: 'zoe-pass-123' }), 'ok');
    for (let i = 0; i < 2; i++) assert.is(await tryLogin(server.port, { user: 'zoe', password: 'whatever-1' }), 'CHAT_ERR_AUTH_FAILED');
    assert.is(await tryLogin(server.port, { user: 'zoe', password: 'zoe-pass-123' }), 'CHAT_ERR_LOGIN_THROTTLED');
  } finally {
    await server.stop();
  }
});

creds.run();
