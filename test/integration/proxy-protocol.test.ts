// test-timeout: 180
// Behind a real nginx with `proxy_protocol on` (PROXY v1), `chat serve --proxy-protocol
// --trusted-proxies 127.0.0.1/32` sees each client's own address: an attacker on 127.0.0.2 who
// fails logins against many accounts is throttled, and a user on 127.0.0.3 still logs in by
// password and by token. A token resume is never throttled by password failures. PROXY v2 is
// tested with headers this file builds, and so are the refusals.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireNginx } from '../helpers/cluster.ts';
import { startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { proxyV1, proxyV2 } from '../helpers/proxy.ts';
import { RawPeer } from '../helpers/raw.ts';
import { startServer, type RunningServer } from '../helpers/server.ts';

const FILE = 'test/integration/proxy-protocol.test.ts';
const TRUSTED = ['--proxy-protocol', '--trusted-proxies', '127.0.0.1/32'];
const pw = (u: string) => `${u}-s3cret-pw`;

let nextId = 1;
/** one login request on an open peer: 'ok' or the error code */
async function login(peer: RawPeer, body: Record<string, unknown>): Promise<string> {
  const reply = await peer.request({ id: nextId++, type: 'login', ...body });
  return reply.ok ? 'ok' : reply.code;
}

/** a fresh connection through nginx from `localAddress`: one login, then closed */
async function loginVia(port: number, localAddress: string, body: Record<string, unknown>): Promise<string> {
  const peer = await RawPeer.open(port, '127.0.0.1', localAddress);
  try {
    return await login(peer, body);
  } finally {
    peer.close();
  }
}

/** registers and logs in by password from `localAddress`; the resume token */
async function registerVia(port: number, localAddress: string, user: string): Promise<string> {
  const peer = await RawPeer.open(port, '127.0.0.1', localAddress);
  try {
    assert.ok((await peer.request({ id: nextId++, type: 'register', user, password: pw(user) })).ok);
    const reply = await peer.request({ id: nextId++, type: 'login', user, password: pw(user) });
    assert.ok(reply.ok, JSON.stringify(reply));
    return reply.result.token;
  } finally {
    peer.close();
  }
}

/** a direct connection from 127.0.0.1 (a trusted address) that starts with `header` */
async function openAs(port: number, header: Buffer, localAddress = '127.0.0.1'): Promise<RawPeer> {
  const peer = await RawPeer.open(port, '127.0.0.1', localAddress);
  peer.write(header);
  return peer;
}

if (requireNginx(FILE)) {
  const behind = suite('behind nginx with proxy_protocol on');
  let server: RunningServer;
  let nginx: RunningNginx;
  behind.before(async () => {
    server = await startServer({ args: [...TRUSTED, '--login-fail-limit', '3', '--login-fail-limit-per-address', '10'] });
    nginx = await startNginx(server.port);
  });
  behind.after(async () => {
    await nginx?.stop();
    await server?.stop();
  });

  behind('an attacker on 127.0.0.2 is throttled; a user on 127.0.0.3 logs in by password and by token', async () => {
    const umaToken = await registerVia(nginx.port, '127.0.0.3', 'uma');
    const vicToken = await registerVia(nginx.port, '127.0.0.2', 'vic');
    // Wrong passwords against many accounts (each below the per-account limit) until the
    // attacker's address is refused: it is counted as itself, not as nginx.
    const attacker = await RawPeer.open(nginx.port, '127.0.0.1', '127.0.0.2');
    const codes: string[] = [];
    for (let i = 0; i < 14; i++) codes.push(await login(attacker, { user: `target${i}`, password: 'wrong-password-1' }));
    assert.equal(codes, [...Array(10).fill('CHAT_ERR_AUTH_FAILED'), ...Array(4).fill('CHAT_ERR_LOGIN_THROTTLED')]);
    assert.is(await login(attacker, { user: 'vic', password: pw('vic') }), 'CHAT_ERR_LOGIN_THROTTLED', 'the address is refused, right password or not');
    // A token resume is not a password guess: from the throttled address too.
    assert.is(await login(attacker, { token: vicToken }), 'ok');
    attacker.close();

    assert.is(await loginVia(nginx.port, '127.0.0.3', { user: 'uma', password: pw('uma') }), 'ok', 'password, from another address');
    assert.is(await loginVia(nginx.port, '127.0.0.3', { token: umaToken }), 'ok', 'token, from another address');

    const failed = server.logs.filter((l) => l.includes('"msg":"login failed"')).map((l) => JSON.parse(l).remote);
    assert.equal([...new Set(failed)], ['127.0.0.2'], 'the log names the client, not nginx');
  });

  behind('a throttled account still resumes by token, and a failed token costs no password attempts', async () => {
    const wesToken = await registerVia(nginx.port, '127.0.0.3', 'wes');
    for (let i = 0; i < 3; i++) assert.is(await loginVia(nginx.port, '127.0.0.4', { user: 'wes', password: 'wrong-password-1' }), 'CHAT_ERR_AUTH_FAILED');
    assert.is(await loginVia(nginx.port, '127.0.0.3', { user: 'wes', password: pw('wes') }), 'CHAT_ERR_LOGIN_THROTTLED', 'the account is throttled');
    assert.is(await loginVia(nginx.port, '127.0.0.3', { token: wesToken }), 'ok', 'its token still resumes');

    const peer = await RawPeer.open(nginx.port, '127.0.0.1', '127.0.0.5');
    for (let i = 0; i < 12; i++) assert.is(await login(peer, { token: `forged-token-${i}` }), 'CHAT_ERR_TOKEN_INVALID');
    await registerVia(nginx.port, '127.0.0.5', 'xia');
    peer.close();
  });

  behind.run();
}

const direct = suite('PROXY v2 and refusals, straight to the node');
let node: RunningServer;
direct.before(async () => {
  node = await startServer({ args: [...TRUSTED, '--login-fail-limit-per-address', '3', '--max-connections-per-address', '2'] });
});
direct.after(async () => {
  await node?.stop();
});

direct('a v2 header names the client; the requests pipelined behind it are answered', async () => {
  const c = await openAs(node.port, proxyV1('198.51.100.1'));
  assert.ok((await c.request({ id: 1, type: 'register', user: 'yan', password: pw('yan') })).ok);
  c.close();
  const lines = [
    { id: 1, type: 'hello', version: 1, client: 'test' },
    { id: 2, type: 'login', user: 'nobody', password: 'wrong-password-1' },
    { id: 3, type: 'login', user: 'yan', password: pw('yan') },
  ].map((f) => JSON.stringify(f) + '\n');
  const peer = await openAs(node.port, Buffer.concat([proxyV2('198.51.100.7'), Buffer.from(lines.join(''))]));
  assert.ok((await peer.next((f) => f.id === 1)).ok);
  assert.is((await peer.next((f) => f.id === 2)).code, 'CHAT_ERR_AUTH_FAILED');
  assert.ok((await peer.next((f) => f.id === 3)).ok);
  peer.close();

  // All of these come from 127.0.0.1; only the headers tell them apart.
  for (let i = 0; i < 2; i++) {
    const p = await openAs(node.port, proxyV2('198.51.100.7'));
    assert.is(await login(p, { user: 'nobody', password: 'wrong-password-1' }), 'CHAT_ERR_AUTH_FAILED');
    p.close();
  }
  const throttled = await openAs(node.port, proxyV2('198.51.100.7'));
  assert.is(await login(throttled, { user: 'yan', password: pw('yan') }), 'CHAT_ERR_LOGIN_THROTTLED');
  throttled.close();
  for (const other of ['198.51.100.8', '2001:db8::8']) {
    const p = await openAs(node.port, proxyV2(other));
    assert.is(await login(p, { user: 'yan', password: pw('yan') }), 'ok', other);
    p.close();
  }
  assert.ok(node.logs.some((l) => l.includes('"msg":"login failed"') && l.includes('"remote":"198.51.100.7"')));
});

direct('the per-address connection limit counts the address the header names', async () => {
  const held = [await openAs(node.port, proxyV1('198.51.100.20')), await openAs(node.port, proxyV2('198.51.100.20'))];
  for (const p of held) assert.ok((await p.request({ id: 1, type: 'ping' })).ok);
  const third = await openAs(node.port, proxyV2('198.51.100.20'));
  assert.is((await third.next()).code, 'CHAT_ERR_TOO_MANY_CONNECTIONS');
  await third.waitClosed();
  const other = await openAs(node.port, proxyV2('198.51.100.21'));
  assert.ok((await other.request({ id: 1, type: 'ping' })).ok, 'another client behind the same proxy');
  for (const p of [...held, other]) p.close();
});

direct('refused: a trusted address without a header, an untrusted one with a header; untrusted without one is served', async () => {
  const bare = await RawPeer.open(node.port);
  bare.write(JSON.stringify({ id: 1, type: 'hello', version: 1, client: 'test' }) + '\n');
  assert.is((await bare.next()).code, 'CHAT_ERR_PROXY_HEADER');
  await bare.waitClosed();

  for (const header of [proxyV1('203.0.113.7'), proxyV2('203.0.113.7')]) {
    const spoof = await openAs(node.port, header, '127.0.0.2');
    spoof.write(JSON.stringify({ id: 1, type: 'ping' }) + '\n');
    assert.is((await spoof.next()).code, 'CHAT_ERR_PROXY_HEADER');
    await spoof.waitClosed();
  }

  const plain = await RawPeer.open(node.port, '127.0.0.1', '127.0.0.2');
  assert.ok((await plain.request({ id: 1, type: 'hello', version: 1, client: 'test' })).ok);
  plain.close();
  assert.ok(node.logs.some((l) => l.includes('connection refused: PROXY protocol') && l.includes('"remote":"127.0.0.2"')));
});

direct.run();
