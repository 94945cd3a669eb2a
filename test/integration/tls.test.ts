// test-timeout: 120
// TLS end to end: `chat serve --tls-cert/--tls-key`, and clients that verify the server by
// default. Certificates are made on the fly.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { makeCerts, type TestCerts } from '../helpers/certs.ts';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLines, runCli, startServer, tempDir, type RunningServer } from '../helpers/server.ts';

const tls = suite('tls');
let certs: TestCerts;
let server: RunningServer;

tls.before(async () => {
  certs = makeCerts();
  server = await startServer({ args: ['--tls-cert', certs.cert, '--tls-key', certs.key] });
});
tls.after(async () => {
  await server?.stop();
});

tls('the CLI over TLS with --ca: register, befriend, send, listen', async () => {
  const base = ['--server', server.address, '--ca', certs.ca];
  for (const user of ['tom', 'uma']) {
    const r = await runCli([...base, 'register', '--user', user, '--password', `${user}-pass-123`]);
    assert.is(r.code, 0, r.stderr);
  }
  const as = (u: string, ...args: string[]) => runCli([...base, '--user', u, '--password', `${u}-pass-123`, ...args]);
  assert.is((await as('tom', 'friend', 'add', 'uma')).code, 0);
  assert.is((await as('uma', 'friend', 'accept', 'tom')).code, 0);
  assert.is((await as('tom', 'send', 'uma', 'over tls')).code, 0);
  const heard = await as('uma', 'listen', '--count', '1', '--timeout', '5', '--json');
  assert.is(heard.code, 0, heard.stderr);
  assert.is(jsonLines(heard.stdout)[0].text, 'over tls');
});

tls('the config file holds the server and the CA (relative to the file): a client command connects over TLS', async () => {
  const dir = tempDir('chat-tls-config-').dir;
  copyFileSync(certs.ca, join(dir, 'ca.pem'));
  writeFileSync(join(dir, 'config.toml'), `server = "${server.address}"\nuser = "tom"\nca = "ca.pem"\n`);
  const r = await runCli(['friends', '--json'], { env: { CHAT_CONFIG: join(dir, 'config.toml'), CHAT_PASSWORD: 'tom-pass-123' } });
  assert.is(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout), [{ type: 'friend', name: 'uma', online: false }]);
  const plain = await runCli(['friends', '--no-config', '--server', server.address, '--user', 'tom', '--password', 'tom-pass-123']);
  assert.is.not(plain.code, 0, 'without the file there is no TLS, and a TLS server gives a plain client nothing');
});

tls('the server is verified by default: an unknown CA or a plain client gets nowhere', async () => {
  const noCa = await runCli(['--server', server.address, '--tls', '--user', 'tom', '--password', 'tom-pass-123', 'friends']);
  assert.is(noCa.code, 3, 'not trusted means not connected');
  assert.match(noCa.stderr, /^CHAT_ERR_CONNECT: .*(certificate|self-signed|issuer)/i);
  try {
    await ChatClient.connect({ host: server.host, port: server.port, connectTimeoutMs: 3000, requestTimeoutMs: 3000 });
    assert.unreachable('a plaintext client must not get a hello from a TLS server');
  } catch (err: any) {
    assert.ok(['CHAT_ERR_DISCONNECTED', 'CHAT_ERR_TIMEOUT'].includes(err.code), err.code);
  }
});

tls('a server with a certificate from no trusted CA is refused even with --ca', async () => {
  const stray = await startServer({ args: ['--tls-cert', certs.strayCert, '--tls-key', certs.strayKey] });
  try {
    const r = await runCli(['--server', stray.address, '--ca', certs.ca, '--user', 'x', '--password', 'whatever-1', 'friends']);
    assert.is(r.code, 3);
  } finally {
    await stray.stop();
  }
});

tls.run();
