// RequestQueue's Deferred replies: the listener runs inside whoever settles the Deferred (a
// batch's callbacks), so a reply that cannot be written must still answer the request and free
// its slot, without throwing at the settler. A fake connection records the lines.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Logger } from '../../../lib/logger.ts';
import type { Connection } from '../../../lib/server/connection.ts';
import { Deferred, type HandlerContext, type HandlerTable } from '../../../lib/server/context.ts';
import { RequestQueue } from '../../../lib/server/dispatch.ts';

function setup() {
  const lines: string[] = [];
  const conn = {
    id: 'n1:1',
    closed: false,
    send: (line: string) => void lines.push(line),
    sendFrame: (frame: object) => void lines.push(`${JSON.stringify(frame)}\n`),
    pauseReading: () => {},
    resumeReading: () => {},
  } as unknown as Connection;
  const ctx = { session: { id: 'n1:1', remote: '127.0.0.1', user: null } } as unknown as HandlerContext;
  const logged: unknown[] = [];
  const log = { error: (fields: unknown) => void logged.push(fields) } as unknown as Logger;
  const deferred = new Deferred<unknown>();
  const handlers = { ping: async () => deferred } as unknown as HandlerTable;
  const queue = new RequestQueue(conn, ctx, handlers, log, 16);
  return { lines, logged, deferred, queue };
}

const tick = () => new Promise((r) => setImmediate(r));
const replies = (lines: string[]) => lines.map((l) => JSON.parse(l));

const deferred = suite('RequestQueue: Deferred replies');

deferred('a value that cannot be encoded is answered with CHAT_ERR_INTERNAL, and the queue goes idle', async () => {
  const { lines, logged, deferred: d, queue } = setup();
  queue.onLine('{"id":1,"type":"ping"}');
  await tick();
  let idle = false;
  queue.whenIdle(() => (idle = true));
  assert.not.ok(idle, 'the request is outstanding');
  d.resolve({ n: 1n }); // JSON.stringify throws on a BigInt
  assert.equal(replies(lines), [{ id: 1, ok: false, code: 'CHAT_ERR_INTERNAL', message: 'internal server error' }]);
  assert.is(logged.length, 1, 'the failure is logged');
  assert.ok(idle, 'the slot is released');
});

deferred('a rejection is answered with its code, and the queue goes idle', async () => {
  const { lines, deferred: d, queue } = setup();
  queue.onLine('{"id":2,"type":"ping"}');
  await tick();
  let idle = false;
  queue.whenIdle(() => (idle = true));
  d.reject(Object.assign(new Error('busy'), { code: 'CHAT_ERR_DB_BUSY' }));
  assert.equal(replies(lines), [{ id: 2, ok: false, code: 'CHAT_ERR_DB_BUSY', message: 'busy' }]);
  assert.ok(idle);
});

deferred.run();
