// test-timeout: 90
// The real `chat serve` on a PRIVATE mariadbd (temp datadir, free port) that is killed and
// restarted under light load: the server stays up, answers with clean codes while the
// database is gone, and serves again without being restarted. Nothing acked is lost, and
// retrying the failed sends by client_msg_id stores each exactly once, seqs 1..N.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ChatClient } from '../../lib/client/client.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';
import { eventually, requireMariadb, sleep, startPrivateMariadb, type PrivateMariadb } from '../helpers/mariadb.ts';

// The shared server is not touched here, but needing MariaDB at all follows the same rule.
if (await requireMariadb('test/integration/mysql-restart.test.ts')) {
  const test = suite('chat serve survives a MariaDB restart');
  let mariadb: PrivateMariadb;
  let server: RunningServer;

  test.before(async () => {
    mariadb = await startPrivateMariadb();
    server = await startServer({
      db: mariadb.url('chat'),
      args: ['--db-pool-min', '2', '--db-pool-max', '4', '--db-pool-acquire-timeout-ms', '1000', '--log-level', 'info'],
    });
  });
  test.after(async () => {
    await server?.stop();
    await mariadb?.destroy();
  });

  interface Outcome { id: string; ok: boolean; seq?: number; code?: string; ms: number; phase: string }

  test('clean codes while down, service back without a restart, nothing lost or doubled', async () => {
    const alice: ChatClient = await connectAs(server, 'alice');
    const bob: ChatClient = await connectAs(server, 'bob');
    try {
      await befriend(alice, 'alice', bob, 'bob');
      let phase = 'up';
      let stop = false;
      const outcomes: Outcome[] = [];
      const reads: { ok: boolean; code?: string; phase: string }[] = [];
      let n = 0;
      const sender = (async () => {
        while (!stop) {
          const id = `m-${++n}`;
          const started = Date.now();
          const at = phase;
          try {
            const r = await alice.request('send', { to: 'bob', text: `text ${id}`, client_msg_id: id });
            outcomes.push({ id, ok: true, seq: r.seq, ms: Date.now() - started, phase: at });
          } catch (err) {
            outcomes.push({ id, ok: false, code: (err as { code?: string }).code, ms: Date.now() - started, phase: at });
          }
          await sleep(40);
        }
      })();
      const reader = (async () => {
        while (!stop) {
          const at = phase;
          try {
            await bob.request('history', { with: 'alice', limit: 5 });
            reads.push({ ok: true, phase: at });
          } catch (err) {
            reads.push({ ok: false, code: (err as { code?: string }).code, phase: at });
          }
          await sleep(100);
        }
      })();

      await eventually(() => outcomes.filter((o) => o.ok).length >= 10, 10_000, 'sends before the crash');
      phase = 'down';
      await mariadb.kill();
      const downAt = outcomes.length;
      await eventually(() => outcomes.slice(downAt).filter((o) => !o.ok).length >= 5, 10_000, 'sends failing while down');
      assert.ok(server.proc.exitCode === null && server.proc.signalCode === null, 'chat serve is still running');

      phase = 'restarting';
      await mariadb.start();
      const upAt = outcomes.length;
      await eventually(() => outcomes.slice(upAt).filter((o) => o.ok).length >= 10, 20_000, 'sends succeeding again');
      stop = true;
      await Promise.all([sender, reader]);

      const failures = outcomes.filter((o) => !o.ok);
      const codes = new Set(failures.map((o) => o.code));
      for (const code of codes) assert.ok(code === 'CHAT_ERR_DB_UNAVAILABLE' || code === 'CHAT_ERR_DB_BUSY', `unexpected ${code}`);
      assert.ok(codes.has('CHAT_ERR_DB_UNAVAILABLE'));
      for (const r of reads.filter((x) => !x.ok)) {
        assert.ok(r.code === 'CHAT_ERR_DB_UNAVAILABLE' || r.code === 'CHAT_ERR_DB_BUSY', `read failed with ${r.code}`);
      }
      assert.ok(reads.some((r) => r.phase === 'down' && !r.ok), 'reads fail while down');
      assert.ok(reads.slice(-3).every((r) => r.ok), 'reads work again');
      // While the database is known to be down, requests are answered at once, not after the acquire timeout.
      const downFailures = failures.filter((o) => o.phase === 'down').slice(2);
      assert.ok(downFailures.length > 0 && downFailures.every((o) => o.ms < 1_000), `answers while down took ${downFailures.map((o) => o.ms)} ms`);

      // A failed send may or may not have committed (the crash can land between COMMIT and its
      // answer). Retrying it with the same client_msg_id settles it: stored exactly once.
      const seqOf = new Map(outcomes.filter((o) => o.ok).map((o) => [o.id, o.seq!]));
      for (const f of failures) {
        const r = await alice.request('send', { to: 'bob', text: `text ${f.id}`, client_msg_id: f.id });
        seqOf.set(f.id, r.seq);
      }
      const history = await bob.request('history', { with: 'alice', limit: 500 });
      const messages = history.messages as { seq: number; text: string; client_msg_id?: string }[];
      assert.is(messages.length, outcomes.length, 'every send stored exactly once');
      assert.equal(messages.map((m) => m.seq), messages.map((_, i) => i + 1), 'seqs 1..N: no gap, no duplicate');
      for (const m of messages) assert.is(seqOf.get(m.client_msg_id!), m.seq, `${m.client_msg_id} acked with the seq it has`);
      assert.ok(server.logs.some((l) => l.includes('database unreachable')));
      assert.ok(server.logs.some((l) => l.includes('database reachable again')));
    } finally {
      await alice.close();
      await bob.close();
    }
    assert.is(await server.stop(), 0, 'graceful stop after the outage');
  });

  test.run();
}
