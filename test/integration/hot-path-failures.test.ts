// test-timeout: 60
// A throw on the hot path costs only what it was about. A group commit that throws (a bug in a
// hook, a store that breaks its contract) fails only its own requests: the senders get an error
// reply over their sockets. A bus event that cannot be delivered is dropped. Either is logged and
// counted, nothing becomes an unhandled rejection, and the node goes on storing and pushing.
// Such a throw is a bug, so no real `chat serve` can be made to hit it on demand: the server runs
// in this process (real SQLite store, real sockets, real clients) with the failure injected.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import { resolveServerConfig } from '../../lib/config.ts';
import { LocalBus } from '../../lib/bus/local-bus.ts';
import type { CursorMove, NewMessage } from '../../lib/db/store.ts';
import { SqliteStore } from '../../lib/db/sqlite-store.ts';
import { ServerMetrics } from '../../lib/server/metrics.ts';
import { ChatServer } from '../../lib/server/server.ts';
import { rejectsWith } from '../helpers/assert.ts';
import { fakeLog } from '../helpers/fake-log.ts';
import { befriend, connectAs, waitFor } from '../helpers/server.ts';

const hot = suite('a throw on the hot path');

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => void unhandled.push(err));
hot.after.each(() => {
  assert.equal(unhandled.splice(0), [], 'no unhandled rejection');
});

async function sample(metrics: ServerMetrics, name: string, labels: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const m = new RegExp(`^${name}\\{${labels}[^}]*\\} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name}{${labels}} is exposed`);
  return Number(m![1]);
}

/** A node in this process, alice and bob friends on it, bob collecting his message pushes. */
async function node() {
  const config = resolveServerConfig({ db: 'sqlite::memory:', port: 0, nodeId: 'n1' });
  const store = SqliteStore.open(':memory:');
  const bus = new LocalBus();
  const { log, lines } = fakeLog();
  let server: ChatServer | undefined;
  const metrics = new ServerMetrics('n1', { connections: () => server?.connectionCount ?? 0, sessions: () => server?.sessionCount ?? 0 });
  server = new ChatServer({ config, store, bus, log, metrics });
  const { port } = await server.listen();
  const address = { host: '127.0.0.1', port };
  const clients: ChatClient[] = [];
  const bob = await connectAs(address, 'bob');
  clients.push(bob);
  const alice = await connectAs(address, 'alice');
  clients.push(alice);
  await befriend(alice, 'alice', bob, 'bob');
  const pushed: string[] = [];
  bob.onPush((f) => f.type === 'message' && pushed.push(f.text));
  // A bounded wait, so a reply that never comes fails the test instead of hanging it.
  const sender = await ChatClient.connect({ ...address, requestTimeoutMs: 5000 });
  clients.push(sender);
  await sender.request('login', { user: 'alice', password: 'alice-s3cret-pw' });
  const stop = async () => {
    for (const c of clients) c.destroy();
    await server.stop();
  };
  return { store, bus, metrics, lines, sender, pushed, stop };
}

hot('a failed group commit answers its sends with CHAT_ERR_INTERNAL; the node logs, counts and carries on', async () => {
  const { store, metrics, lines, sender, pushed, stop } = await node();
  try {
    // The batch-size figure throws: a bug in the hook that runs once the batch is committed.
    const observe = metrics.batchSize.observe.bind(metrics.batchSize);
    metrics.batchSize.observe = () => {
      throw new Error('hook bug');
    };
    await rejectsWith(sender.request('send', { to: 'bob', text: 'x' }), 'CHAT_ERR_INTERNAL');
    metrics.batchSize.observe = observe;

    // The store returns one result too few: no result can be trusted to be its message's.
    const append = store.appendBatch.bind(store);
    store.appendBatch = async (batch: NewMessage[], moves: CursorMove[]) => {
      const r = await append(batch, moves);
      return { messages: r.messages.slice(1), moves: r.moves };
    };
    await rejectsWith(sender.request('send', { to: 'bob', text: 'z' }), 'CHAT_ERR_INTERNAL');
    store.appendBatch = append;

    const ok = await sender.request('send', { to: 'bob', text: 'after' });
    assert.ok(ok.seq > 0, 'the next send is stored');
    await waitFor(() => pushed.includes('after'), 5000, 'the push after the failures');

    assert.is(await sample(metrics, 'chat_batch_errors_total', 'reason="internal"'), 2);
    assert.is(await sample(metrics, 'chat_batch_errors_total', 'reason="store"'), 0);
    const logged = lines.filter((l) => l.msg === 'message batch failed');
    assert.ok(logged.length >= 1 && logged.length <= 2, `${logged.length} log lines for 2 failed batches`);
    assert.is((logged[0]!.fields.err as Error).message, 'hook bug');
  } finally {
    await stop();
  }
});

hot('a bus event that cannot be delivered is dropped, logged and counted, not thrown at its publisher', async () => {
  const { bus, metrics, lines, sender, pushed, stop } = await node();
  try {
    bus.publish({ users: null as unknown as number[], frame: '{"type":"message"}\n' });
    assert.is(await sample(metrics, 'chat_internal_errors_total', 'where="bus_delivery"'), 1);
    assert.is(lines.filter((l) => l.msg === 'bus event delivery failed').length, 1);
    await sender.request('send', { to: 'bob', text: 'after' });
    await waitFor(() => pushed.includes('after'), 5000, 'the push after the bad event');
  } finally {
    await stop();
  }
});

hot.run();
