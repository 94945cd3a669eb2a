// test-timeout: 240
// The cluster for real: `chat cluster up` starts 3 `chat serve` nodes behind nginx, on free
// loopback ports, against a scratch MySQL database and a PRIVATE redis-server (which this file
// restarts). Users on different nodes chat and see presence; a 4th node joins; Redis restarts
// under running nodes; nodes are killed with kill -9 while pairs stream, and while `chat listen`
// runs. Every count is exact.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { MessageStream } from '../../lib/client/message-stream.ts';
import { Session } from '../../lib/client/session.ts';
import type { MessageView, PushFrame } from '../../lib/protocol/messages.ts';
import { connectVia, requireNginx, startCluster, type TestCluster } from '../helpers/cluster.ts';
import { requireMariadb, scratchDb } from '../helpers/mariadb.ts';
import { requireRedisServer, startPrivateRedis, waitUntil, type PrivateRedis } from '../helpers/redis.ts';
import { CHAT_BIN, jsonLines, ROOT } from '../helpers/server.ts';

const FILE = 'test/integration/cluster-nginx.test.ts';
const TTL = 1500;
const pw = (u: string) => `${u}-s3cret-pw`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ready = requireNginx(FILE) && requireRedisServer(FILE) && (await requireMariadb(FILE));
if (ready) {
  const db = scratchDb();
  let redis: PrivateRedis;
  let cluster: TestCluster;
  const open: { close(): Promise<void> }[] = [];
  const ids = new Map<string, number>();

  /** registers through nginx (once) and logs in */
  async function login(user: string, accept?: (node: string) => boolean): Promise<ChatClient> {
    const c = await connectVia(cluster, accept);
    if (!ids.has(user)) ids.set(user, (await c.request('register', { user, password: pw(user) })).user_id);
    await c.request('login', { user, password: pw(user) });
    open.push(c);
    return c;
  }
  async function befriend(a: string, b: string): Promise<void> {
    const ca = await login(a);
    const cb = await login(b);
    await ca.request('friend_add', { user: b });
    await cb.request('friend_accept', { user: a });
    await ca.close();
    await cb.close();
  }
  const pushes = (c: ChatClient) => {
    const got: PushFrame[] = [];
    c.onPush((f) => got.push(f));
    return got;
  };
  /** the node a user's latest login landed on, from the nodes' logs */
  function loginNodes(user: string): { node: string; resumed: boolean }[] {
    const out: { node: string; resumed: boolean }[] = [];
    for (const n of cluster.state().nodes) {
      for (const line of readFileSync(n.log, 'utf8').split('\n')) {
        if (!line.includes('"msg":"login"') || !line.includes(`"userId":${ids.get(user)},`)) continue;
        const e = JSON.parse(line);
        out.push({ node: e.node, resumed: e.resumed, time: e.time } as any);
      }
    }
    return out.sort((a: any, b: any) => a.time - b.time);
  }

  const test = suite('cluster: 3 nodes behind nginx, MySQL, Redis');
  test.before(async () => {
    redis = await startPrivateRedis();
    cluster = await startCluster({ nodes: 3, db: db.url, redis: redis.url, presenceTtlMs: TTL });
  });
  test.after(async () => {
    for (const c of open) await c.close().catch(() => {});
    await cluster?.down().catch((err) => console.error(err));
    await redis?.destroy();
    await db.drop();
  });

  test('users on different nodes chat 1:1 and in groups, and see presence change', async () => {
    await befriend('alice', 'bob');
    const alice = await login('alice', (n) => n === 'n1');
    const bob = await login('bob', (n) => n === 'n2');
    const carol = await login('carol', (n) => n === 'n3');
    assert.equal([alice.node, bob.node, carol.node], ['n1', 'n2', 'n3'], 'the hello says which node: one user per node');
    const toBob = pushes(bob);
    const toAlice = pushes(alice);
    const toCarol = pushes(carol);
    await alice.request('send', { to: 'bob', text: 'hi bob, from n1' });
    await waitUntil(() => toBob.some((f) => f.type === 'message' && f.text === 'hi bob, from n1'), 5000, 'the 1:1 push on n2');

    await alice.request('group_create', { group: 'dev' });
    await bob.request('group_join', { group: 'dev' });
    await carol.request('group_join', { group: 'dev' });
    await carol.request('send', { group: 'dev', text: 'standup, from n3' });
    const isStandup = (f: PushFrame) => f.type === 'message' && f.text === 'standup, from n3';
    await waitUntil(() => toAlice.some(isStandup) && toBob.some(isStandup), 5000, 'the group push on n1 and n2');
    assert.not.ok(toCarol.some(isStandup), "the sender's own connection has the reply, not a push");

    // presence: bob (n2) leaves and comes back; alice (n1) is told both times, and sees it in friends
    assert.equal((await alice.request('friends', {})).friends, [{ name: 'bob', online: true }]);
    await bob.request('logout', {});
    await waitUntil(() => toAlice.some((f) => f.type === 'presence' && f.user === 'bob' && !f.online), 5000, 'bob offline on n1');
    assert.equal((await alice.request('friends', {})).friends, [{ name: 'bob', online: false }]);
    const bob2 = await login('bob', (n) => n === 'n3');
    await waitUntil(() => toAlice.some((f) => f.type === 'presence' && f.user === 'bob' && f.online), 5000, 'bob online again on n1');
    assert.equal((await alice.request('friends', {})).friends, [{ name: 'bob', online: true }]);
    await bob2.close();
  });

  test('Redis restarts under running nodes: nothing is lost, delivery resumes, no node restarts', async () => {
    await befriend('rs', 'rr');
    const sender = await login('rs', (n) => n === 'n1');
    const receiver = await login('rr', (n) => n === 'n2');
    // A plain client with no reconnect and no polling: whatever it gets after Redis is back
    // came from the nodes' re-sync.
    const got: MessageView[] = [];
    const stream = new MessageStream(receiver, (m) => got.push(m));
    receiver.onPush((f) => f.type === 'message' && stream.push(f));
    await stream.start();
    for (let i = 1; i <= 20; i++) await sender.request('send', { to: 'rr', text: `r ${i}` });
    await waitUntil(() => got.length === 20, 5000, '20 messages before the restart');
    await redis.kill();
    // Stored and acked while Redis is down: their wake-ups are lost, and nothing comes after them.
    for (let i = 21; i <= 40; i++) await sender.request('send', { to: 'rr', text: `r ${i}` });
    await sleep(300);
    const duringOutage = got.length;
    await redis.start();
    await waitUntil(() => got.length >= 40, 20_000, 'the re-sync after Redis is back');
    for (let i = 41; i <= 60; i++) await sender.request('send', { to: 'rr', text: `r ${i}` });
    await waitUntil(() => got.length >= 60, 10_000, 'live delivery after the restart');
    await sleep(300);
    assert.equal(got.map((m) => m.text), Array.from({ length: 60 }, (_, i) => `r ${i + 1}`), 'all 60, once each, in order');
    assert.ok(duringOutage < 40, `the outage did lose wake-ups (${duringOutage} of 40 arrived before the re-sync)`);
    assert.equal([sender.closed, receiver.closed], [false, false], 'neither connection was dropped');
    // every node noticed Redis come back and re-synced (each reconnects on its own backoff)
    for (const n of cluster.state().nodes) {
      await waitUntil(() => readFileSync(n.log, 'utf8').includes('re-synced sessions after a bus reconnect'), 15_000, `${n.id} to re-sync`);
    }
  });

  test('a 4th node joins while running, and new connections reach it', async () => {
    const n4 = await cluster.add();
    assert.is(n4.id, 'n4');
    // least_conn: the new node has no connections, so the next ones go there
    const dave = await login('dave', (n) => n === 'n4');
    assert.is(dave.node, 'n4');
    await befriend('dave', 'erin');
    const erin = await login('erin', (n) => n !== 'n4');
    const toErin = pushes(erin);
    await dave.request('send', { to: 'erin', text: 'hello from n4' });
    await waitUntil(() => toErin.some((f) => f.type === 'message' && f.text === 'hello from n4'), 5000, 'the push from n4');
  });

  test('kill -9 a node while 4 pairs stream: every receiver gets all N, exactly once, in order', async () => {
    const N = 100;
    const pairs = [1, 2, 3, 4].map((i) => ({ s: `ks${i}`, r: `kr${i}` }));
    for (const p of pairs) await befriend(p.s, p.r);
    // receivers: reconnecting sessions; each remembers the nodes it was on
    const receivers = await Promise.all(pairs.map(async (p) => {
      const nodes: string[] = [];
      const session = new Session({
        host: cluster.host, port: cluster.port, backoff: { initialMs: 100, maxMs: 1000 },
        connect: async (o) => {
          const c = await ChatClient.connect(o);
          nodes.push(c.node);
          return c;
        },
      });
      const got: MessageView[] = [];
      session.on('message', (m) => m.from === p.s && got.push(m));
      await session.login(p.r, pw(p.r));
      open.push({ close: () => session.close() });
      return { ...p, session, got, nodes };
    }));
    const victim = receivers[0]!.nodes[0]!;
    // bystanders for presence: one on the victim that will not come back, one elsewhere
    await befriend('watcher', 'gone');
    await befriend('watcher', 'stays');
    const gone = await login('gone', (n) => n === victim);
    await login('stays', (n) => n !== victim);
    const watcher = await login('watcher', (n) => n !== victim);
    assert.equal((await watcher.request('friends', {})).friends.map((f) => f.online), [true, true]);

    let progress = 0;
    const stats = { sent: 0, retries: 0, duplicates: 0 };
    const send = async (p: { s: string; r: string }, i: number) => {
      // the first sender starts on the victim, so at least one sender has to re-send
      let client = await login(p.s, i === 0 ? (n) => n === victim : undefined);
      for (let i = 1; i <= N; i++) {
        for (let attempt = 0; ; attempt++) {
          assert.ok(attempt < 60, `${p.s} could not send ${i}`);
          try {
            const r = await client.request('send', { to: p.r, text: `${p.s} ${i}`, client_msg_id: `${p.s}-${i}` });
            stats.sent++;
            if (r.duplicate) stats.duplicates++;
            break;
          } catch {
            // not acked: send it again, same client_msg_id, on a new connection
            stats.retries++;
            client.destroy();
            await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
            client = await login(p.s).catch(() => client);
          }
        }
        progress++;
        if (i % 5 === 0) await sleep(10);
      }
    };
    const senders = Promise.all(pairs.map((p, i) => send(p, i)));
    await waitUntil(() => progress >= (pairs.length * N) / 3, 30_000, 'a third of the messages');
    cluster.kill9(victim);
    const killedAt = Date.now();
    // the victim's user, who does not come back, goes offline within the TTL (plus a heartbeat)
    const lapsed = waitUntil(async () => !(await watcher.request('friends', {})).friends.find((f) => f.name === 'gone')!.online, TTL * 4, "gone's presence to lapse")
      .then(() => Date.now() - killedAt);
    await senders;
    for (const r of receivers) await waitUntil(() => r.got.length >= N, 30_000, `${r.r}: ${N} messages`);
    await sleep(500); // a duplicate would show up now
    for (const r of receivers) {
      assert.equal(r.got.map((m) => m.text), Array.from({ length: N }, (_, i) => `${r.s} ${i + 1}`), `${r.r}: all ${N}, once, in order`);
      assert.equal(r.got.map((m) => m.seq), Array.from({ length: N }, (_, i) => i + 1));
    }
    assert.is(stats.sent, pairs.length * N, 'every message acked once (a retry of a stored one is acked as a duplicate)');
    const moved = receivers.filter((r) => r.nodes.length > 1);
    assert.ok(moved.length >= 1 && moved.every((r) => !r.nodes.slice(1).includes(victim)), `receivers reconnected to survivors: ${JSON.stringify(receivers.map((r) => r.nodes))}`);
    console.log(`REPORT kill -9 ${victim}: ${pairs.length}×${N} messages, ${stats.retries} re-sends, ${stats.duplicates} acked as duplicates, receivers' nodes ${JSON.stringify(receivers.map((r) => r.nodes))}`);

    assert.ok(stats.retries >= 1, 'the sender on the victim re-sent what was not acked');
    // presence: the victim's user went offline by itself; nobody else's presence was touched
    const lapse = await lapsed;
    assert.ok(lapse <= TTL * 4, `offline ${lapse} ms after the kill (TTL ${TTL})`);
    console.log(`REPORT presence of a killed node's user lapsed after ${lapse} ms (TTL ${TTL} ms)`);
    await sleep(TTL);
    assert.equal((await watcher.request('friends', {})).friends, [{ name: 'gone', online: false }, { name: 'stays', online: true }]);
    gone.destroy();
  });

  test('`chat listen` through nginx survives the death of its node and prints every message exactly once', async () => {
    await befriend('lsend', 'lis');
    const listen = spawn(process.execPath, [CHAT_BIN, '--server', cluster.address, '--user', 'lis', '--password', pw('lis'), 'listen', '--count', '40', '--timeout', '60', '--json'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    listen.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    listen.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => listen.on('close', (code) => resolve(code)));
    try {
      await waitUntil(() => loginNodes('lis').length > 0, 20_000, 'listen to log in');
      const node = loginNodes('lis')[0]!.node;
      const sender = await login('lsend', (n) => n !== node);
      for (let i = 1; i <= 20; i++) await sender.request('send', { to: 'lis', text: `l ${i}`, client_msg_id: `l-${i}` });
      await waitUntil(() => stdout.split('\n').filter(Boolean).length >= 20, 10_000, 'listen to print the first 20');
      cluster.kill9(node);
      for (let i = 21; i <= 40; i++) await sender.request('send', { to: 'lis', text: `l ${i}`, client_msg_id: `l-${i}` });
      const code = await Promise.race([exited, sleep(45_000).then(() => 'timeout')]);
      assert.is(code, 0, `listen exit code; stderr: ${stderr}`);
      const printed = jsonLines(stdout);
      assert.equal(printed.map((m) => m.text), Array.from({ length: 40 }, (_, i) => `l ${i + 1}`), 'all 40, once, in order');
      const logins = loginNodes('lis');
      assert.ok(logins.length >= 2 && logins.at(-1)!.resumed && logins.at(-1)!.node !== node, `listen resumed on another node: ${JSON.stringify(logins)}`);
      // and it acked what it printed: a new listen has nothing
      const again = await new Promise<number | null>((resolve) => {
        const p = spawn(process.execPath, [CHAT_BIN, '--server', cluster.address, '--user', 'lis', '--password', pw('lis'), 'listen', '--count', '1', '--timeout', '1'], { cwd: ROOT, stdio: 'ignore' });
        p.on('close', resolve);
      });
      assert.is(again, 4, 'nothing left unacked');
    } finally {
      listen.kill('SIGKILL');
    }
  });

  test.run();
}
