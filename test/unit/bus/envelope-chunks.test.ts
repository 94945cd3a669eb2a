// How RedisBus cuts one tick's events into envelopes Redis will carry (no transport needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BusEvent } from '../../../lib/bus/bus.ts';
import { envelopeChunks, MAX_ENVELOPE_BYTES } from '../../../lib/bus/redis-bus.ts';

test('small events share one envelope, in order', () => {
  const events: BusEvent[] = Array.from({ length: 300 }, (_, i) => ({ users: [1, 2], frame: `f${i}`, ...(i === 5 ? { exceptConn: 'a:1' } : {}) }));
  const chunks = envelopeChunks(events);
  assert.is(chunks.length, 1);
  assert.equal(chunks[0], events);
});

test('big frames spread over envelopes of at most the bound, in order', () => {
  const frame = 'x'.repeat(MAX_ENVELOPE_BYTES / 4);
  const events: BusEvent[] = Array.from({ length: 10 }, (_, i) => ({ users: [i], frame: `${i}${frame}` }));
  const chunks = envelopeChunks(events);
  assert.is(chunks.length, 4, '3 per envelope');
  assert.equal(chunks.flat(), events);
  for (const c of chunks) assert.ok(c.reduce((n, e) => n + e.frame.length, 0) <= MAX_ENVELOPE_BYTES);
});

test("a group bigger than one envelope's share of user ids is split by users; every member once, in order", () => {
  const users = Array.from({ length: 100_000 }, (_, i) => i + 1);
  const chunks = envelopeChunks([{ users: [7], frame: 'before' }, { users, frame: 'crowd', exceptConn: 'a:2' }, { users: [8], frame: 'after' }]);
  assert.ok(chunks.length >= 3, `${chunks.length} envelopes`);
  const flat = chunks.flat();
  assert.equal(flat[0]!.frame, 'before');
  assert.equal(flat.at(-1)!.frame, 'after');
  const crowd = flat.filter((e) => e.frame === 'crowd');
  assert.ok(crowd.length >= 3);
  assert.ok(crowd.every((e) => e.exceptConn === 'a:2'));
  assert.equal(crowd.flatMap((e) => [...e.users]), users);
  for (const c of chunks) assert.ok(c.reduce((n, e) => n + e.frame.length + e.users.length * 8, 0) <= MAX_ENVELOPE_BYTES);
});

test.run();
