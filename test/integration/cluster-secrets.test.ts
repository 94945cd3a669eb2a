// test-timeout: 120
// `chat cluster up` keeps the store's password out of every process's argv, where `ps` shows it
// to every local user, and out of files others can read. The cluster runs against a MariaDB
// account with a real password, so a leak has something to leak.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { requireNginx, startCluster, type TestCluster } from '../helpers/cluster.ts';
import { adminQuery, requireMariadb, scratchName } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, type PrivateRedis } from '../helpers/redis.ts';

const FILE = 'test/integration/cluster-secrets.test.ts';

const ready = requireNginx(FILE) && requireRedisServer(FILE) && (await requireMariadb(FILE));
if (ready) {
  const database = scratchName();
  const account = `chat_secret_${randomBytes(3).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let redis: PrivateRedis;
  let cluster: TestCluster;
  const test = suite('cluster secrets');

  test.before(async () => {
    await adminQuery(`CREATE DATABASE \`${database}\``);
    await adminQuery(`CREATE USER '${account}'@'127.0.0.1' IDENTIFIED BY '${password}'`);
    await adminQuery(`GRANT ALL ON \`${database}\`.* TO '${account}'@'127.0.0.1'`);
    redis = await startPrivateRedis();
    cluster = await startCluster({
      nodes: 2, db: `mysql://${account}:${password}@127.0.0.1:3306/${database}`, redis: redis.url, dbViaEnv: true,
    });
  });

  test.after(async () => {
    await cluster?.down().catch(() => {});
    await redis?.destroy();
    await adminQuery(`DROP USER IF EXISTS '${account}'@'127.0.0.1'`);
    await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
  });

  test('the nodes serve with the password-protected store', async () => {
    const c = await ChatClient.connect({ host: cluster.host, port: cluster.port });
    await c.request('register', { user: 'alice', password: 'alice-pw-123' });
    const r = await c.request('login', { user: 'alice', password: 'alice-pw-123' });
    assert.ok(r.token);
    await c.close();
  });

  test('no node has the password on its command line', () => {
    const nodes = cluster.state().nodes;
    assert.is(nodes.length, 2);
    for (const n of nodes) {
      const argv = readFileSync(`/proc/${n.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('serve'), `pid ${n.pid} is a chat serve: ${argv.join(' ')}`);
      assert.not.ok(argv.some((a) => a.includes(password)), `node ${n.id} argv: ${argv.join(' ')}`);
    }
  });

  test('every file the cluster wrote that holds the password is readable by its owner only', () => {
    const holders: string[] = [];
    for (const name of readdirSync(cluster.stateDir)) {
      const path = join(cluster.stateDir, name);
      if (!statSync(path).isFile() || !readFileSync(path, 'utf8').includes(password)) continue;
      holders.push(name);
      assert.is(statSync(path).mode & 0o077, 0, `${name} is mode ${(statSync(path).mode & 0o777).toString(8)}`);
    }
    assert.ok(holders.includes('cluster.json'), `the state records the store: ${holders.join(', ')}`);
  });

  test.run();
}
