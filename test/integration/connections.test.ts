// test-timeout: 120
// Connection hygiene: a reader that stops reading is dropped without slowing anyone else,
// silent connections are closed by the idle timeout, and pinging clients are kept.
import { suite } from 'uvu';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import * as assert from 'uvu/assert';
import { ChatClient } from '../../lib/client/client.ts';
import type { PushFrame } from '../../lib/protocol/messages.ts';
import { RawPeer } from '../helpers/raw.ts';
import { befriend, connectAs, startServer, waitFor } from '../helpers/server.ts';
import { rejectsWith } from '../helpers/assert.ts';

const conns = suite('connections');

conns('a reconnect storm finds room in the accept queue: 1500 connections complete while the server is frozen', async () => {
  // Frozen, the server accepts nothing, so every connection waits in the kernel's accept queue.
  // At Node's default backlog (511) the rest would have their SYNs dropped and retry after 1 s,
  // 3 s, 7 s; here they must all be queued (LISTEN_BACKLOG).
  const total = 1500;
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  assert.ok(somaxconn >= total, `net.core.somaxconn is ${somaxconn}: the kernel caps every accept queue there, so this machine cannot show it`);
  const server = await startServer();
  const sockets: Socket[] = [];
  try {
    server.proc.kill('SIGSTOP');
    let connected = 0;
    for (let i = 0; i < total; i++) {
      const socket = connect({ host: '127.0.0.1', port: server.port });
      socket.on('error', () => {});
      socket.once('connect', () => connected++);
      sockets.push(socket);
    }
    // Not a timing assertion: queued connections complete within milliseconds; the wait only
    // has to be shorter than the 1 s + 2 s of SYN retries a dropped one would need.
    const deadline = Date.now() + 2500;
    while (connected < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.is(connected, total, 'every connection was queued');
  } finally {
    server.proc.kill('SIGCONT');
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});

conns('a slow reader is dropped once its output passes the bound; others get everything; nothing is lost', async () => {
  const server = await startServer({ args: ['--max-output-bytes', String(256 * 1024)] });
  try {
    const alice = await connectAs(server, 'alice');
    const carol = await connectAs(server, 'carol');
    const bobSetup = await connectAs(server, 'bob');
    await befriend(alice, 'alice', bobSetup, 'bob');
    await befriend(alice, 'alice', carol, 'carol');
    bobSetup.destroy();

    const slow = await RawPeer.open(server.port);
    assert.is((await slow.request({ id: 1, type: 'login', user: 'bob', password: 'bob-s3cret-pw' })).ok, true);
    slow.socket.pause(); // bob stops reading

    const carolGot: PushFrame[] = [];
    carol.onPush((f) => f.type === 'message' && carolGot.push(f));
    const text = 'z'.repeat(8000);
    const total = 1500; // 12 MB for bob: far past kernel buffers plus the 256 KiB bound
    for (let i = 0; i < total; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          Promise.all([alice.request('send', { to: 'bob', text: `${i + j} ${text}` }), alice.request('send', { to: 'carol', text: `${i + j}` })]),
        ),
      );
    }
    await waitFor(() => carolGot.length === total, 20_000, 'carol receives every message');
    assert.equal(carolGot.map((f: any) => Number(f.text)), Array.from({ length: total }, (_, i) => i));

    await waitFor(() => server.logs.some((l) => l.includes('CHAT_ERR_SLOW_CONSUMER')), 10_000, 'the slow reader to be dropped');
    slow.socket.resume();
    await slow.waitClosed();
    const pushedToSlow = slow.frames.filter((f) => f.type === 'message').length;
    assert.ok(pushedToSlow < total, `the slow reader got only part (${pushedToSlow}) before the drop`);

    // Nothing was lost: bob's next session syncs all of it from storage.
    const bob = await connectAs(server, 'bob', undefined, false);
    const { conversations } = await bob.request('conversations', {});
    const direct = conversations.find((c) => c.with === 'alice')!;
    assert.is(direct.last_seq, total);
    assert.is(direct.unread, total);
    for (const c of [alice, carol, bob]) c.destroy();
  } finally {
    await server.stop();
  }
});

conns('a silent connection is closed by the idle timeout; a pinging client stays', async () => {
  const server = await startServer({ args: ['--idle-timeout-ms', '600'] });
  try {
    const silent = await RawPeer.open(server.port);
    const reply = await silent.next(() => true, 5000);
    assert.is(reply.code, 'CHAT_ERR_IDLE_TIMEOUT');
    await silent.waitClosed();
    const pinging = await ChatClient.connect({ host: server.host, port: server.port, pingIntervalMs: 150 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(pinging.closed, false);
    assert.ok((await pinging.request('ping', {})).ts);
    pinging.destroy();
  } finally {
    await server.stop();
  }
});

conns('a client whose server vanishes sees its pending request fail with CHAT_ERR_DISCONNECTED', async () => {
  const server = await startServer();
  const client = await connectAs(server, 'dora');
  const closed = new Promise<void>((r) => client.onClose(() => r()));
  server.proc.kill('SIGKILL');
  await server.stop();
  await closed;
  await rejectsWith(client.request('ping', {}), 'CHAT_ERR_DISCONNECTED');
});

conns('a client that shuts its side after its requests still gets every reply (nc -N style)', async () => {
  const server = await startServer();
  try {
    await connectAs(server, 'erin').then((c) => c.destroy());
    const peer = await RawPeer.open(server.port);
    peer.write(
      [
        { id: 1, type: 'hello', version: 1 },
        { id: 2, type: 'login', user: 'erin', password: 'erin-s3cret-pw' },
        { id: 3, type: 'friends' },
        { id: 4, type: 'unread' },
      ].map((f) => JSON.stringify(f) + '\n').join(''),
    );
    peer.socket.end();
    await peer.waitClosed();
    assert.equal(peer.frames.map((f) => [f.id, f.ok]), [[1, true], [2, true], [3, true], [4, true]]);
  } finally {
    await server.stop();
  }
});

conns('a stopping server tells its clients CHAT_ERR_SHUTTING_DOWN before it closes', async () => {
  const server = await startServer();
  const peer = await RawPeer.open(server.port);
  assert.is((await peer.request({ id: 1, type: 'ping' })).ok, true);
  await server.stop();
  await peer.waitClosed();
  assert.is(peer.frames.at(-1)?.code, 'CHAT_ERR_SHUTTING_DOWN');
});

conns('a client that only receives keeps pinging, so the idle timeout does not drop it', async () => {
  const server = await startServer({ args: ['--idle-timeout-ms', '1500'] });
  try {
    const sender = await connectAs(server, 'fred');
    const receiver = await ChatClient.connect({ host: server.host, port: server.port, pingIntervalMs: 500 });
    await receiver.request('register', { user: 'gina', password: 'gina-s3cret-pw' });
    await receiver.request('login', { user: 'gina', password: 'gina-s3cret-pw' });
    await befriend(sender, 'fred', receiver, 'gina');
    let got = 0;
    receiver.onPush((f) => f.type === 'message' && got++);
    for (let i = 0; i < 20; i++) {
      await sender.request('send', { to: 'gina', text: `tick ${i}` });
      await new Promise((r) => setTimeout(r, 200)); // 4 s of pushes, well past the idle timeout
    }
    await waitFor(() => got === 20, 5000, 'all pushes');
    assert.is(receiver.closed, false);
    sender.destroy();
    receiver.destroy();
  } finally {
    await server.stop();
  }
});

conns('sync and history pages stay bounded in bytes however long the texts are', async () => {
  const server = await startServer();
  try {
    const a = await connectAs(server, 'hank');
    const b = await connectAs(server, 'iris');
    await befriend(a, 'hank', b, 'iris');
    const big = '漢'.repeat(15_990); // ~48 KB of UTF-8 each
    for (let i = 0; i < 60; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) => a.request('send', { to: 'iris', text: `${i + j}:${big}` })));
    }
    const { conversations } = await b.request('conversations', {});
    const conversation = conversations[0]!.conversation;
    const page = await b.request('sync', { conversation, limit: 200 });
    assert.ok(page.more, 'a byte-bounded page says there is more');
    assert.ok(page.messages.length >= 1 && page.messages.length < 60);
    assert.ok(Buffer.byteLength(JSON.stringify(page)) < 2 * 1024 * 1024);
    // Paging on from the last seq reaches every message exactly once.
    const seqs = page.messages.map((m) => m.seq);
    for (let after = seqs.at(-1)!, more: boolean = page.more; more; ) {
      const next = await b.request('sync', { conversation, after, limit: 200 });
      seqs.push(...next.messages.map((m) => m.seq));
      after = seqs.at(-1)!;
      more = next.more;
    }
    assert.equal(seqs, Array.from({ length: 60 }, (_, i) => i + 1));
    const history = await b.request('history', { conversation, limit: 500 });
    assert.is(history.messages.at(-1)!.seq, 60, 'history keeps the newest end');
    assert.ok(history.messages.length < 60);
    a.destroy();
    b.destroy();
  } finally {
    await server.stop();
  }
});

conns.run();
