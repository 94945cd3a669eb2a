// test-timeout: 150
// The metrics endpoint: Prometheus text and /healthz on --metrics-port, with connection,
// session, message, bus, batch and (on MySQL) pool figures that follow real traffic.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { metricsPort, scrape, value } from '../helpers/metrics.ts';
import { requireRedisServer, startPrivateRedis } from '../helpers/redis.ts';
import { befriend, connectAs, startServer, waitFor } from '../helpers/server.ts';

const metrics = suite('metrics');

metrics('one node: connections, sessions, messages in and out, bus and batch figures, /healthz', async () => {
  const server = await startServer({ args: ['--metrics-port', '0'] });
  try {
    const port = metricsPort(server);
    const before = await scrape(port);
    assert.is(before.status, 200);
    assert.is(value(before.text, 'chat_messages_stored_total'), 0);
    assert.not.match(before.text, /chat_db_pool_size/, 'no pool on SQLite');
    const a = await connectAs(server, 'mia');
    const b = await connectAs(server, 'noa');
    await befriend(a, 'mia', b, 'noa');
    let pushed = 0;
    b.onPush((f) => f.type === 'message' && pushed++);
    await Promise.all(Array.from({ length: 5 }, (_, i) => a.request('send', { to: 'noa', text: `m${i}` })));
    await waitFor(() => pushed === 5, 5000, 'pushes');
    const after = (await scrape(port)).text;
    assert.is(value(after, 'chat_connections'), 2);
    assert.is(value(after, 'chat_sessions'), 2);
    assert.is(value(after, 'chat_messages_stored_total'), 5);
    assert.ok(value(after, 'chat_store_batch_size_count') >= 1);
    assert.is(value(after, 'chat_store_batch_size_sum'), 5);
    assert.ok(value(after, 'chat_bus_published_total') >= 5, 'sends and friend events are published');
    assert.ok(value(after, 'chat_frames_pushed_total') >= 5);
    assert.match(after, /node="n1"/);
    assert.equal(await scrape(port, '/healthz'), { status: 200, text: 'ok\n' });
    assert.is((await scrape(port, '/nope')).status, 404);
    a.destroy();
    b.destroy();
  } finally {
    await server.stop();
  }
});

metrics('on MySQL the pool figures are exposed', async () => {
  if (!(await requireMariadb('test/integration/metrics.test.ts'))) return;
  const db = scratchDb();
  const server = await startServer({ db: db.url, args: ['--metrics-port', '0', '--db-pool-min', '2', '--db-pool-max', '5'] });
  try {
    const client = await connectAs(server, 'rae'); // a registration and a login borrow connections
    client.destroy();
    const text = (await scrape(metricsPort(server))).text;
    assert.ok(value(text, 'chat_db_pool_size') >= 2);
    assert.is(value(text, 'chat_db_pool_min'), 2);
    assert.is(value(text, 'chat_db_pool_max'), 5);
    assert.is(value(text, 'chat_db_pool_down'), 0);
    assert.ok(value(text, 'chat_db_pool_acquired') >= 2, 'requests borrowed connections');
  } finally {
    await server.stop();
    await db.drop();
  }
});

metrics('two nodes on a Redis bus: deliveries from the other node and their lag', async () => {
  if (!(await requireMariadb('test/integration/metrics.test.ts')) || !requireRedisServer('test/integration/metrics.test.ts')) return;
  const db = scratchDb();
  const redis = await startPrivateRedis();
  const args = (id: string) => ['--metrics-port', '0', '--node-id', id, '--redis', redis.url, '--presence-ttl-ms', '3000'];
  const n1 = await startServer({ db: db.url, args: args('n1') });
  const n2 = await startServer({ db: db.url, args: args('n2') });
  try {
    const a = await connectAs(n1, 'ola');
    const b = await connectAs(n2, 'pia');
    await befriend(a, 'ola', b, 'pia');
    let got = 0;
    b.onPush((f) => f.type === 'message' && got++);
    for (let i = 0; i < 3; i++) await a.request('send', { to: 'pia', text: `x${i}` });
    await waitFor(() => got === 3, 10_000, 'cross-node pushes');
    const text = (await scrape(metricsPort(n2))).text;
    assert.ok(value(text, 'chat_bus_lag_seconds_count') >= 3, 'events from n1 were timed');
    assert.match(text, /node="n2"/);
    a.destroy();
    b.destroy();
  } finally {
    await n1.stop();
    await n2.stop();
    await redis.destroy();
    await db.drop();
  }
});

metrics('a bus envelope the node cannot read is counted on /metrics and logged, not dropped silently', async () => {
  if (!requireRedisServer('test/integration/metrics.test.ts')) return;
  const redis = await startPrivateRedis();
  const server = await startServer({ args: ['--metrics-port', '0', '--redis', redis.url, '--redis-prefix', 'garbled'] });
  try {
    const port = metricsPort(server);
    assert.is(value((await scrape(port)).text, 'chat_bus_malformed_total'), 0);
    for (const junk of ['not json', '{"o":"elsewhere"}', '[]']) assert.is(redis.cli('publish', 'garbled:all', junk), '1', 'the node hears the channel');
    let dropped = 0;
    for (let i = 0; i < 50 && dropped < 3; i++) { // the node reads them a moment later
      dropped = value((await scrape(port)).text, 'chat_bus_malformed_total');
      if (dropped < 3) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(dropped, 3);
    const lines = server.logs.filter((l) => l.includes('dropped a bus envelope it cannot read'));
    assert.ok(lines.length >= 1 && lines.length < 3, `${lines.length} log lines for 3 envelopes: rate-limited`);
    assert.match(lines[0]!, /"reason":"not JSON"/);
  } finally {
    await server.stop();
    await redis.destroy();
  }
});

metrics.run();
