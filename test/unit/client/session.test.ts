// The reconnecting session against fake connections: backoff, resume by token (falling back to
// the password), re-sync from the last seq handed out, and when it gives up.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffDelay, Session, type StateInfo } from '../../../lib/client/session.ts';
import { ChatError } from '../../../lib/protocol/errors.ts';
import type { MessageView } from '../../../lib/protocol/messages.ts';
import { FakeClient, FakeServer, until } from '../../helpers/fake-server.ts';

function setup(options: { maxAttempts?: number } = {}) {
  const server = new FakeServer();
  const session = new Session({
    host: '127.0.0.1',
    port: 1,
    backoff: { initialMs: 5, maxMs: 20, factor: 2, jitter: 0.5 },
    random: () => 0.5,
    ...options,
    connect: server.connect,
  });
  const got: MessageView[] = [];
  const states: StateInfo[] = [];
  const ready: boolean[] = [];
  session.on('message', (m) => got.push(m));
  session.on('state', (s) => states.push(s));
  session.on('ready', (r) => ready.push(r));
  return { server, session, got, states, ready };
}

const test = suite('session');

test('backoff grows by the factor up to the cap, and jitter only shortens it', () => {
  const b = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
  assert.equal([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, b, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.is(backoffDelay(2, b, () => 1), 200);
  for (let i = 0; i < 100; i++) {
    const d = backoffDelay(3, b);
    assert.ok(d >= 400 && d <= 800, `${d} within [400, 800]`);
  }
  assert.is(backoffDelay(1000, b, () => 0), 1000, 'no overflow for huge attempts');
});

test('login hands out the backlog after the delivered cursor, in order, and acks it', async () => {
  const { server, session, got, states } = setup();
  server.add('one');
  server.add('two');
  server.add('three');
  server.delivered = 1;
  const me = await session.login('me', 'pw-123456');
  assert.is(me.user, 'me');
  await until(() => got.length === 2, 'backlog');
  assert.equal(got.map((m) => m.seq), [2, 3]);
  await until(() => server.delivered === 3, 'ack');
  assert.is(session.state, 'connected');
  assert.equal(states.map((s) => s.state), ['connecting', 'connected']);
  await session.close();
});

test('a wrong password is thrown and leaves the session offline; nothing retries', async () => {
  const { session, server, states } = setup();
  try {
    await session.login('me', 'nope-nope');
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChatError).code, 'CHAT_ERR_AUTH_FAILED');
  }
  assert.is(session.state, 'offline');
  await new Promise((r) => setTimeout(r, 30));
  assert.is(server.connects, 1);
  assert.is(states.at(-1)!.state, 'offline');
});

test('a dropped connection reconnects with backoff, resumes by token and fills the gap once', async () => {
  const { server, session, got, states, ready } = setup();
  server.add('before');
  await session.login('me', 'pw-123456');
  await until(() => got.length === 1, 'first message');
  const token = server.requests.find((r) => r.type === 'login')!;
  assert.ok('password' in token.body);

  server.up = false;
  server.clients[0]!.destroy();
  await until(() => states.filter((s) => s.state === 'reconnecting').length >= 3, 'three failed attempts');
  const waits = states.filter((s) => s.state === 'reconnecting').map((s) => s.retryInMs);
  assert.equal(waits.slice(0, 3), [4, 8, 15], 'exponential (5, 10, 20 capped), each shortened by jitter 0.5 × random 0.5');
  // messages sent while away, one of which also arrives as a push on the new connection
  server.add('while away 1');
  server.add('while away 2');
  server.add('while away 3');
  const mark = server.requests.length;
  server.up = true;
  await until(() => session.state === 'connected', 'reconnected');
  server.clients.at(-1)!.push({ type: 'message', ...server.messages[2]! });
  await until(() => got.length === 4, 'gap filled');
  assert.equal(got.map((m) => m.seq), [1, 2, 3, 4], 'each once, in order');
  const logins = server.requests.filter((r) => r.type === 'login');
  assert.ok('token' in logins.at(-1)!.body, 'resumed by token, not password');
  assert.equal(ready, [false, true]);
  // it synced from what it had (seq 1), not from the server's delivered cursor
  const syncs = server.requests.slice(mark).filter((r) => r.type === 'sync');
  assert.ok(syncs.length > 0);
  assert.ok(syncs.every((r) => r.body.after >= 1), JSON.stringify(syncs));
  await session.close();
});

test('an expired token falls back to the password', async () => {
  const { server, session } = setup();
  await session.login('me', 'pw-123456');
  server.tokens.clear();
  server.clients[0]!.destroy();
  await until(() => server.clients.length === 2 && session.state === 'connected', 'reconnected');
  const logins = server.requests.filter((r) => r.type === 'login').map((r) => ('token' in r.body ? 'token' : 'password'));
  assert.equal(logins, ['password', 'token', 'password']);
  await session.close();
});

test('a password that stopped working ends in offline instead of retrying forever', async () => {
  const { server, session, states } = setup();
  await session.login('me', 'pw-123456');
  server.tokens.clear();
  server.password = 'changed-pw';
  server.clients[0]!.destroy();
  await until(() => session.state === 'offline', 'offline');
  assert.is((states.at(-1)!.error as ChatError).code, 'CHAT_ERR_AUTH_FAILED');
  const connects = server.connects;
  await new Promise((r) => setTimeout(r, 50));
  assert.is(server.connects, connects, 'no more attempts');
});

test('maxAttempts gives up with offline', async () => {
  const { server, session, states } = setup({ maxAttempts: 2 });
  await session.login('me', 'pw-123456');
  server.up = false;
  server.clients[0]!.destroy();
  await until(() => session.state === 'offline', 'offline');
  assert.is(states.filter((s) => s.state === 'reconnecting').length, 2);
  assert.is(server.connects, 3);
});

test('close logs out and does not reconnect; requests then fail with CHAT_ERR_DISCONNECTED', async () => {
  const { server, session } = setup();
  await session.login('me', 'pw-123456');
  await session.close();
  assert.ok(server.requests.some((r) => r.type === 'logout'));
  await new Promise((r) => setTimeout(r, 30));
  assert.is(server.connects, 1);
  assert.is(session.state, 'offline');
  try {
    await session.request('friends', {});
    assert.unreachable();
  } catch (err) {
    assert.is((err as ChatError).code, 'CHAT_ERR_DISCONNECTED');
  }
});

test('retryNow skips the backoff wait', async () => {
  const server = new FakeServer();
  let up = false;
  const session = new Session({
    host: 'h', port: 1, backoff: { initialMs: 60_000, maxMs: 60_000 },
    connect: async () => {
      server.connects++;
      if (!up && server.connects > 1) throw new ChatError('CHAT_ERR_CONNECT');
      const c = new FakeClient(server);
      server.clients.push(c);
      return c;
    },
  });
  await session.login('me', 'pw-123456');
  server.clients[0]!.destroy();
  await until(() => session.state === 'reconnecting', 'reconnecting');
  up = true;
  session.retryNow();
  await until(() => session.state === 'connected', 'connected without waiting a minute', 1000);
  await session.close();
});

test.run();
