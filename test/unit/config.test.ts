import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServerAddress, resolveServerConfig, SERVER_DEFAULTS, trustedProxyList } from '../../lib/config.ts';

test('defaults fill what is not given; given values win', () => {
  const c = resolveServerConfig({ db: 'sqlite:/tmp/x.db', port: 7000, host: undefined });
  assert.is(c.port, 7000);
  assert.is(c.host, SERVER_DEFAULTS.host);
  assert.is(c.maxLineBytes, 64 * 1024);
  assert.is(c.db, 'sqlite:/tmp/x.db');
});

test('a bad value throws CHAT_ERR_CONFIG naming the key', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ port: 70000 }, /config port:/],
    [{ port: 1.5 }, /config port:/],
    [{ logLevel: 'loud' }, /config logLevel:/],
    [{ db: 'postgres://x' }, /config db:/],
    [{ nodeId: 'has space' }, /config nodeId:/],
    [{ maxLineBytes: 10 }, /config maxLineBytes:/],
    [{ tlsCert: '/x.pem' }, /config tls:/],
    [{ rateLimit: -1 }, /config rateLimit:/],
    [{ loginFailLimitPerAddress: -1 }, /config loginFailLimitPerAddress:/],
    [{ proxyProtocol: true }, /config trustedProxies:.*--trusted-proxies/],
    [{ trustedProxies: ['127.0.0.1/32'] }, /config trustedProxies:.*--proxy-protocol/],
    [{ proxyProtocol: true, trustedProxies: ['127.0.0.1/33'] }, /config trustedProxies:.*127\.0\.0\.1\/33/],
    [{ proxyProtocol: true, trustedProxies: ['::1/129'] }, /config trustedProxies:/],
    [{ proxyProtocol: true, trustedProxies: ['10.0.0.0/8/1'] }, /config trustedProxies:/],
    [{ proxyProtocol: true, trustedProxies: ['10.0.0.0/x'] }, /config trustedProxies:/],
    [{ proxyProtocol: true, trustedProxies: ['nginx.local/32'] }, /config trustedProxies:/],
    [{ proxyProtocol: true, trustedProxies: ['127.0.0.1/32'], tlsCert: '/x.pem', tlsKey: '/x.key' }, /config proxyProtocol:/],
  ];
  for (const [partial, where] of cases) {
    let error: any;
    try {
      resolveServerConfig({ db: 'sqlite:/tmp/x.db', ...partial } as never);
    } catch (err) {
      error = err;
    }
    assert.is(error?.code, 'CHAT_ERR_CONFIG', JSON.stringify(partial));
    assert.match(error.message, where);
  }
});

test('0 turns the per-address login throttle off, as it does the per-address connection limit', () => {
  const c = resolveServerConfig({ db: 'sqlite:/tmp/x.db', loginFailLimitPerAddress: 0, maxConnectionsPerAddress: 0 });
  assert.is(c.loginFailLimitPerAddress, 0);
  assert.is(c.maxConnectionsPerAddress, 0);
});

test('trusted proxies: IPv4 and IPv6 CIDRs or bare hosts; an IPv4-mapped peer matches its IPv4 CIDR', () => {
  const c = resolveServerConfig({ db: 'sqlite:/tmp/x.db', proxyProtocol: true, trustedProxies: ['127.0.0.1/32', '10.0.0.0/8', 'fd00::/8', '192.0.2.1'] });
  const list = trustedProxyList(c.trustedProxies);
  assert.ok(list.check('127.0.0.1', 'ipv4'));
  assert.ok(list.check('::ffff:127.0.0.1', 'ipv6'));
  assert.ok(list.check('10.200.0.1', 'ipv4'));
  assert.ok(list.check('fd12::1', 'ipv6'));
  assert.ok(list.check('192.0.2.1', 'ipv4'));
  assert.not.ok(list.check('127.0.0.2', 'ipv4'));
  assert.not.ok(list.check('192.0.2.2', 'ipv4'));
  assert.not.ok(list.check('::1', 'ipv6'));
});

test('server addresses: HOST:PORT, [v6]:PORT, bare host', () => {
  assert.equal(parseServerAddress('127.0.0.1:6001'), { host: '127.0.0.1', port: 6001 });
  assert.equal(parseServerAddress('[::1]:6002'), { host: '::1', port: 6002 });
  assert.equal(parseServerAddress('chat.example.org'), { host: 'chat.example.org', port: 6000 });
  for (const bad of ['host:0', 'host:99999', 'a:b:c', '']) {
    let code: unknown;
    try {
      parseServerAddress(bad);
    } catch (err: any) {
      code = err.code;
    }
    assert.is(code, 'CHAT_ERR_CONFIG', bad);
  }
});

test.run();
