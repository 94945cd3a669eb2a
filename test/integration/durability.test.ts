// test-timeout: 120
// An ack means stored: whatever the server acked survives a graceful restart and kill -9.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { befriend, connectAs, startServer, type RunningServer } from '../helpers/server.ts';

const durable = suite('durability');

async function seed(server: RunningServer) {
  const a = await connectAs(server, 'alice');
  const b = await connectAs(server, 'bob');
  await befriend(a, 'alice', b, 'bob');
  b.destroy();
  return a;
}

async function historyAfterRestart(server: RunningServer): Promise<{ seq: number; text: string }[]> {
  const b = await ChatClient.connect({ host: server.host, port: server.port });
  await b.request('login', { user: 'bob', password: 'bob-s3cret-pw' });
  const all: { seq: number; text: string }[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await b.request('history', { with: 'alice', limit: 500, ...(before === undefined ? {} : { before }) });
    all.unshift(...page.messages.map((m) => ({ seq: m.seq, text: m.text })));
    if (page.messages.length < 500) break;
    before = page.messages[0]!.seq;
  }
  b.destroy();
  return all;
}

function assertContiguous(rows: { seq: number }[]) {
  rows.forEach((r, i) => assert.is(r.seq, i + 1, 'seqs are 1..N with no gap or duplicate'));
}

durable('a graceful restart on the same data file loses nothing, including sends in flight at SIGTERM', async () => {
  let server = await startServer();
  const a = await seed(server);
  for (let i = 0; i < 20; i++) await a.request('send', { to: 'bob', text: `before ${i}` });
  // Pipeline 300 sends and stop the server while they are in flight.
  const acked: string[] = [];
  const inflight = Array.from({ length: 300 }, (_, i) =>
    a.request('send', { to: 'bob', text: `inflight ${i}` }).then(() => acked.push(`inflight ${i}`), () => {}),
  );
  setImmediate(() => server.proc.kill('SIGTERM'));
  await Promise.all(inflight);
  assert.is(await server.stop(), 0, 'SIGTERM exits 0');
  console.log(`  ${acked.length} of 300 in-flight sends were acked before the stop`);
  a.destroy();
  server = await server.restart();
  const rows = await historyAfterRestart(server);
  assertContiguous(rows);
  const texts = new Set(rows.map((r) => r.text));
  for (let i = 0; i < 20; i++) assert.ok(texts.has(`before ${i}`));
  for (const t of acked) assert.ok(texts.has(t), `acked "${t}" survived`);
  await server.stop();
});

durable('kill -9 right after an ack: the acked message is there after restart', async () => {
  let server = await startServer();
  const a = await seed(server);
  const acked: string[] = [];
  for (let round = 0; round < 3; round++) {
    const batch = Array.from({ length: 50 }, (_, i) => `r${round} m${i}`);
    await Promise.all(batch.map((text) => a.request('send', { to: 'bob', text }).then(() => acked.push(text))));
  }
  server.proc.kill('SIGKILL');
  await server.stop();
  a.destroy();
  server = await server.restart();
  const rows = await historyAfterRestart(server);
  assertContiguous(rows);
  assert.is(rows.length, acked.length);
  assert.equal(new Set(rows.map((r) => r.text)), new Set(acked));
  // The store is usable after the crash: sends continue the sequence.
  const a2 = await ChatClient.connect({ host: server.host, port: server.port });
  await a2.request('login', { user: 'alice', password: 'alice-s3cret-pw' });
  assert.is((await a2.request('send', { to: 'bob', text: 'after crash' })).seq, acked.length + 1);
  a2.destroy();
  await server.stop();
});

durable.run();
