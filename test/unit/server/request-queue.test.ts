// The request queue with a fake connection and a handler that computes synchronously, as the
// SQLite store does: nothing in the handler ever yields, so only the queue's time slice can
// let other connections in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger } from '../../../lib/logger.ts';
import type { Connection } from '../../../lib/server/connection.ts';
import type { HandlerContext, HandlerTable } from '../../../lib/server/context.ts';
import { RequestQueue } from '../../../lib/server/dispatch.ts';

const log = createLogger('silent');

/** A handler that holds the event loop ~1 ms, as a big synchronous query does. */
const busy = {
  ping: async () => {
    const until = performance.now() + 1;
    while (performance.now() < until);
    return { ts: 'now' };
  },
} as unknown as HandlerTable;

/** A queue whose replies are recorded as `name:id`, in the order they were sent. */
function queue(name: string, replies: string[]): RequestQueue {
  const conn = {
    id: name,
    closed: false,
    send: (line: string) => replies.push(`${name}:${JSON.parse(line).id}`),
    sendFrame: (frame: { id: unknown }) => replies.push(`${name}:${frame.id}`),
    pauseReading: () => {},
    resumeReading: () => {},
  } as unknown as Connection;
  const ctx = { session: { id: name, remote: 'test', user: null } } as unknown as HandlerContext;
  return new RequestQueue(conn, ctx, busy, log, 1000);
}

function flood(q: RequestQueue, n: number): void {
  for (let i = 1; i <= n; i++) q.onLine(`{"id":${i},"type":"ping"}`);
}

const idle = (q: RequestQueue) => new Promise<void>((resolve) => q.whenIdle(resolve));

test('a flood of synchronous requests yields the event loop: a request arriving later is answered before the flood ends', async () => {
  const replies: string[] = [];
  const a = queue('a', replies);
  const b = queue('b', replies);
  flood(a, 40);
  // What arrives on another socket is seen on a later turn of the loop.
  setImmediate(() => b.onLine('{"id":1,"type":"ping"}'));
  await idle(a);
  await idle(b);
  assert.ok(replies.indexOf('b:1') >= 0, 'b was answered');
  assert.ok(replies.indexOf('b:1') < replies.indexOf('a:40'), `b was answered while a's flood ran: ${replies.join(' ')}`);
  assert.equal(replies.filter((r) => r.startsWith('a:')), Array.from({ length: 40 }, (_, i) => `a:${i + 1}`), 'a in order');
});

test('two flooding connections take turns', async () => {
  const replies: string[] = [];
  const a = queue('a', replies);
  const b = queue('b', replies);
  flood(a, 40);
  setImmediate(() => flood(b, 40));
  await idle(a);
  await idle(b);
  let turns = 1;
  for (let i = 1; i < replies.length; i++) if (replies[i]![0] !== replies[i - 1]![0]) turns++;
  assert.ok(turns >= 4, `a and b alternate rather than run one after the other: ${replies.join(' ')}`);
  assert.equal(replies.filter((r) => r.startsWith('b:')), Array.from({ length: 40 }, (_, i) => `b:${i + 1}`), 'b in order');
});

test.run();
