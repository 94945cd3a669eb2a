// The output bound of a Connection, over a fake socket that counts what it holds the way a
// net.Socket does (queued strings by length) and either drains at once or not at all.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Connection } from '../../../lib/server/connection.ts';

class FakeSocket extends EventEmitter {
  written = 0;
  writes = 0;
  writableLength = 0;
  destroyed = false;
  constructor(private readonly peerReads: boolean) {
    super();
  }
  setNoDelay(): void {}
  setKeepAlive(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {
    this.destroy();
  }
  write(data: string): boolean {
    this.writes++;
    this.written += data.length;
    if (!this.peerReads) this.writableLength += data.length;
    return true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }
}

const BOUND = 10_000;
const LINE = 'x'.repeat(99) + '\n';

function connection(peerReads: boolean): { conn: Connection; socket: FakeSocket } {
  const socket = new FakeSocket(peerReads);
  const conn = new Connection('c1', socket as unknown as Socket, { maxLineBytes: 65536, maxOutputBytes: BOUND, idleTimeoutMs: 60_000 }, () => {}, () => {});
  return { conn, socket };
}

const nextTick = () => new Promise((r) => setImmediate(r));

test('a peer not reading is dropped as its output passes the bound, within the tick that queued it', async () => {
  const { conn, socket } = connection(false);
  for (let i = 0; i < 1000; i++) conn.send(LINE); // 10× the bound, no flush in between
  assert.is(conn.closed, true, 'dropped before the tick ended');
  assert.is(conn.closeReason, 'CHAT_ERR_SLOW_CONSUMER');
  assert.is(socket.destroyed, true);
  assert.ok(socket.written <= BOUND + LINE.length, `at most the bound was written (${socket.written})`);
  await nextTick();
});

test('what the socket still holds counts toward the bound', async () => {
  const { conn, socket } = connection(false);
  for (let i = 0; i < 60; i++) conn.send(LINE);
  await nextTick(); // flushed: the socket holds 6000
  assert.is(conn.closed, false);
  for (let i = 0; i < 50 && !conn.closed; i++) conn.send(LINE); // 5000 more queued: 11000 in all
  assert.is(conn.closed, true, 'dropped while queueing, though the queue alone is under the bound');
  assert.is(socket.written, 60 * LINE.length + 41 * LINE.length, 'written as soon as the bound was passed');
});

test('a peer that reads keeps its connection however much one tick queues, and gets all of it in order of batches', async () => {
  const { conn, socket } = connection(true);
  for (let i = 0; i < 1000; i++) conn.send(LINE);
  await nextTick();
  assert.is(conn.closed, false);
  assert.is(socket.written, 1000 * LINE.length);
  assert.ok(socket.writes > 1 && socket.writes <= 11, `written in bound-sized batches (${socket.writes} writes)`);
  conn.end();
});

test.run();
