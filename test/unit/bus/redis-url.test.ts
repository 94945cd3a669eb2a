// --redis URLs: one Redis, or a Redis Cluster by scheme or by flag; bad ones are refused by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseRedisUrl } from '../../../lib/bus/redis-transport.ts';
import { resolveServerConfig } from '../../../lib/config.ts';

test('redis://HOST:PORT is one Redis; redis+cluster:// lists seed nodes; --redis-cluster forces a cluster', () => {
  assert.equal(parseRedisUrl('redis://127.0.0.1:6379'), { urls: ['redis://127.0.0.1:6379'], cluster: false });
  assert.equal(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'), { urls: ['redis://10.0.0.1:7000', 'redis://10.0.0.2:7001'], cluster: true });
  assert.equal(parseRedisUrl('redis://10.0.0.1:7000', true), { urls: ['redis://10.0.0.1:7000'], cluster: true });
  assert.equal(parseRedisUrl('rediss://h:1').urls, ['rediss://h:1']);
  for (const bad of ['http://h:1', 'redis://', '127.0.0.1:6379']) assert.throws(() => parseRedisUrl(bad), /--redis/);
});

test('config: --redis, --redis-prefix and --presence-ttl-ms are checked, with the key named', () => {
  const ok = resolveServerConfig({ db: 'sqlite::memory:', redis: 'redis+cluster://h:1', presenceTtlMs: 1000 });
  assert.is(ok.redis, 'redis+cluster://h:1');
  assert.is(ok.redisPrefix, 'chat');
  assert.is(resolveServerConfig({ db: 'sqlite::memory:' }).presenceTtlMs, 15_000);
  assert.is(resolveServerConfig({ db: 'sqlite::memory:' }).redis, undefined);
  assert.throws(() => resolveServerConfig({ db: 'sqlite::memory:', redis: 'nope' }), /config redis:/);
  assert.throws(() => resolveServerConfig({ db: 'sqlite::memory:', presenceTtlMs: 5 }), /config presenceTtlMs:/);
  assert.throws(() => resolveServerConfig({ db: 'sqlite::memory:', redisPrefix: 'a b' }), /config redisPrefix:/);
});

test.run();
