// test-timeout: 90
// Registration policy: `--registration closed` refuses `register` (accounts come from
// `chat admin add-user`), and registrations are throttled per client address.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { RawPeer } from '../helpers/raw.ts';
import { runCli, startServer } from '../helpers/server.ts';

const test = suite('registration policy');

async function register(port: number, user: string, localAddress?: string): Promise<string> {
  const peer = await RawPeer.open(port, '127.0.0.1', localAddress);
  try {
    const reply = await peer.request({ id: 1, type: 'register', user, password: `${user}-password` });
    return reply.ok ? 'ok' : reply.code;
  } finally {
    peer.close();
  }
}

test('closed: register is refused with a stable code, and chat admin add-user makes accounts', async () => {
  const server = await startServer({ args: ['--registration', 'closed'] });
  try {
    assert.is(await register(server.port, 'walt'), 'CHAT_ERR_REGISTRATION_CLOSED');
    assert.is(await register(server.port, 'not a valid name!'), 'CHAT_ERR_REGISTRATION_CLOSED', 'refused before anything is checked');
    const cli = await runCli(['register', '--server', server.address, '--user', 'walt', '--password', 'walt-password']);
    assert.is(cli.code, 1);
    assert.match(cli.stderr, /^CHAT_ERR_REGISTRATION_CLOSED/);
    const added = await runCli(['admin', 'add-user', 'walt', '--db', `sqlite:${server.dbPath}`, '--password-stdin'], { input: 'walt-password\n' });
    assert.is(added.code, 0, added.stderr);
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    await c.request('login', { user: 'walt', password: 'walt-password' });
    c.destroy();
  } finally {
    await server.stop();
  }
});

test('open is the default; registrations are throttled per client address, other addresses and logins go on', async () => {
  const server = await startServer({ args: ['--register-limit-per-address', '3', '--register-window-ms', '600000'] });
  try {
    assert.equal(
      [await register(server.port, 'r1'), await register(server.port, 'r2'), await register(server.port, 'r3'), await register(server.port, 'r4')],
      ['ok', 'ok', 'ok', 'CHAT_ERR_REGISTER_THROTTLED'],
    );
    assert.is(await register(server.port, 'r1'), 'CHAT_ERR_NAME_TAKEN', 'a taken name is answered without a hash, as before');
    assert.is(await register(server.port, 'r5', '127.0.0.2'), 'ok', 'another address has its own count');
    const c = await ChatClient.connect({ host: server.host, port: server.port });
    await c.request('login', { user: 'r1', password: 'r1-password' });
    c.destroy();
  } finally {
    await server.stop();
  }
});

test('a bad --registration value is a usage error', async () => {
  const r = await runCli(['serve', '--registration', 'sometimes', '--port', '0']);
  assert.is(r.code, 2);
});

test.run();
